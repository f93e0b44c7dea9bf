import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIndex, indexText, INDEX_FILE } from '../registry/index-file.js';
import type { Bundle, DeviceProfile } from '../registry/model.js';
import { toYamlText } from '../registry/yaml-text.js';

/** Writes a registry tree holding one device and its bundles, with its index, as a remote registry serves it. */
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
  await writeFile(join(root, INDEX_FILE), indexText(buildIndex(root)));
}
