import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIndex, indexText, INDEX_FILE, lintRegistry, registryLocation } from '../../registry/index.js';
import { ExitCode } from '../../errors.js';
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

export async function runRegistryIndex(output: Output, dir: string | undefined): Promise<number> {
  const root = registryLocation(dir);
  const index = buildIndex(root);
  writeFileSync(join(root, INDEX_FILE), indexText(index));
  const bundles = index.devices.reduce((sum, device) => sum + device.bundles.length, 0);
  if (output.json)
    output.printJson({
      registry: root,
      index: join(root, INDEX_FILE),
      devices: index.devices.length,
      bundles,
    });
  else output.line(`wrote ${join(root, INDEX_FILE)}: ${index.devices.length} devices, ${bundles} bundles`);
  return ExitCode.ok;
}
