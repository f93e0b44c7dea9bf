import { join } from 'node:path';
import {
  buildIndex,
  INDEX_FILE,
  lintRegistry,
  registryLocation,
  writeIndexFiles,
} from '../../registry/index.js';
import { ExitCode, RomctlError } from '../../errors.js';
import type { Output } from '../output.js';

export async function runRegistryLint(output: Output, dir: string | undefined): Promise<number> {
  const root = registryLocation(dir);
  const problems = lintRegistry(root);
  if (output.json) output.printJson({ registry: root, problems });
  else if (problems.length === 0) {
    const { devices } = buildIndex(root);
    const bundles = devices.reduce((sum, device) => sum + device.bundles.length, 0);
    output.line(output.style.green(`registry OK: ${devices.length} devices, ${bundles} bundles (${root})`));
  } else {
    for (const { file, message } of problems) output.line(`${join(root, file)}: ${message}`);
    output.line(output.style.red(`${problems.length} problem${problems.length === 1 ? '' : 's'}`));
  }
  return problems.length === 0 ? ExitCode.ok : ExitCode.refused;
}

/** Writes index.json and index/<codename>.json from the documents, each checked against the schemas first. */
export async function runRegistryIndex(output: Output, dir: string | undefined): Promise<number> {
  const root = registryLocation(dir);
  const { schemaCheck } = await import('../../registry/validate.js');
  const built = buildIndex(root, (kind, value, file) => {
    const problem = schemaCheck(kind, value)[0];
    if (problem !== undefined) {
      throw new RomctlError(`not a valid ${kind} document: ${problem}`, {
        where: file,
        hint: 'fix it (romctl registry lint lists every problem), then index again',
      });
    }
  });
  writeIndexFiles(root, built);
  const bundles = built.devices.reduce((sum, device) => sum + device.bundles.length, 0);
  if (output.json)
    output.printJson({
      registry: root,
      index: join(root, INDEX_FILE),
      devices: built.devices.length,
      bundles,
    });
  else output.line(`wrote ${join(root, INDEX_FILE)}: ${built.devices.length} devices, ${bundles} bundles`);
  return ExitCode.ok;
}
