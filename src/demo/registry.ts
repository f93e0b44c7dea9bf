import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIndex, writeIndexFiles } from '../registry/index-file.js';
import type { Bundle, DeviceProfile } from '../registry/model.js';
import { generateKey, ROLES } from '../registry/trust/keys.js';
import { METADATA_DIR } from '../registry/trust/metadata-files.js';
import { publishRegistry } from '../registry/trust/publish.js';
import { signRoot } from '../registry/trust/root.js';
import { toYamlText } from '../registry/yaml-text.js';

/** Writes a registry folder holding one device and its bundles, with its index. */
export async function writeDemoRegistry(
  root: string,
  profile: DeviceProfile,
  bundles: Bundle[],
): Promise<void> {
  await mkdir(join(root, 'devices'), { recursive: true });
  await mkdir(join(root, 'bundles', profile.codename), { recursive: true });
  const comment = 'written by romctl serve-demo';
  await writeFile(join(root, 'devices', `${profile.codename}.yaml`), toYamlText(profile, comment));
  for (const bundle of bundles) {
    await writeFile(
      join(root, 'bundles', profile.codename, `${bundle.id}.yaml`),
      toYamlText(bundle, comment),
    );
  }
  writeIndexFiles(root, buildIndex(root));
}

export interface SignedDemoRegistry {
  /** the static tree to serve */
  tree: string;
  /** the root.json a client must be given (`--registry-root`) */
  rootFile: string;
  /** the key folder `<dir>/keys`, made for this run only */
  keys: string;
}

/**
 * The demo's registry as romctl's maintainers would publish theirs: fresh ed25519 keys for the four roles,
 * a signed root, then the registry folder published as a signed static tree.
 */
export async function publishDemoRegistry(
  source: string,
  dir: string,
  tree: string,
): Promise<SignedDemoRegistry> {
  const keys = join(dir, 'keys');
  await rm(keys, { recursive: true, force: true });
  await rm(tree, { recursive: true, force: true });
  for (const role of ROLES) await generateKey(keys, role);
  await signRoot({ keys, tree });
  await publishRegistry({ registry: source, tree, keys });
  return { tree, rootFile: join(tree, METADATA_DIR, '1.root.json'), keys };
}
