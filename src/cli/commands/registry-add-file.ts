import { basename, join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { ExitCode, RomctlError } from '../../errors.js';
import { downloadError } from '../../fetch/source-error.js';
import { openRegistry, requireDevice, toYamlText, type BundleFile } from '../../registry/index.js';
import type { Output } from '../output.js';
import type { RegistryAddOptions } from './registry.js';
import { hashFile } from './registry-add.js';

/** What the registry already knew about the file, checked against the local copy; the first mismatch, if any. */
function mismatch(
  known: BundleFile,
  local: { size: number; sha256: string; md5: string },
): string | undefined {
  if (known.sha256 !== undefined && known.sha256 !== local.sha256)
    return `sha256 ${local.sha256}, the registry says ${known.sha256}`;
  if (known.size !== undefined && known.size !== local.size)
    return `${local.size} bytes, the registry says ${known.size}`;
  if (known.md5 !== undefined && known.md5.toLowerCase() !== local.md5)
    return `md5 ${local.md5}, the vendor says ${known.md5}`;
  if (known.md5Prefix !== undefined && !local.md5.startsWith(known.md5Prefix.toLowerCase())) {
    return `md5 ${local.md5}, the vendor's file name says ${known.md5Prefix}…`;
  }
  return undefined;
}

/**
 * `romctl registry add <codename> <file> --from-file`: the file is a downloaded copy of a release the registry
 * already lists by name. It is verified against everything the registry knew (the vendor's md5 or its
 * file-name prefix, a size or sha256), then its sha256, size and full md5 are written into that bundle, so
 * the release can be fetched and pinned by signed metadata. Nothing is written when the file does not match
 * (exit 3) or when nothing can vouch for it (exit 1).
 */
export async function runRegistryAddFromFile(
  output: Output,
  codename: string,
  path: string,
  options: RegistryAddOptions,
): Promise<number> {
  const registry = await openRegistry({ dir: options.registry });
  const entry = await registry.entry(requireDevice(registry, codename));
  const name = basename(path);
  const holders = [];
  for (const indexed of entry.bundles) {
    const bundle = await registry.bundle(entry, indexed.id);
    if (bundle.files.some((file) => file.name === name)) holders.push({ indexed, bundle });
  }
  if (holders.length === 0) {
    throw new RomctlError(`no bundle of ${entry.codename} lists a file named ${name}`, {
      where: path,
      hint: "keep the vendor's file name, or leave out --from-file to add a new bundle",
    });
  }
  const local = await hashFile(path);
  for (const { indexed, bundle } of holders) {
    const known = bundle.files.find((file) => file.name === name) as BundleFile;
    const problem = mismatch(known, local);
    if (problem !== undefined) {
      throw downloadError(`not the file ${entry.codename}/${bundle.id} lists: ${problem}`, {
        where: path,
        hint: 'download it again from the vendor; nothing was written',
      });
    }
    if (known.md5 === undefined && known.md5Prefix === undefined && known.sha256 === undefined) {
      output.line(
        output.style.red(
          `refused: the registry knows no hash of ${name} (${bundle.id}); nothing can vouch for this copy`,
        ),
      );
      return ExitCode.refused;
    }
    const checkedBy = known.sha256
      ? 'its sha256'
      : known.md5
        ? "the vendor's md5"
        : "the md5 prefix in the vendor's file name";
    const files = bundle.files.map((file) =>
      file === known ? { ...file, size: local.size, sha256: local.sha256, md5: local.md5 } : file,
    );
    const target = join(registry.root, indexed.file);
    await writeFile(
      target,
      toYamlText(
        { ...bundle, files },
        `sha256 and size recorded by romctl registry add --from-file ${name}: run romctl registry index`,
      ),
    );
    output.line(`recorded sha256 and size of ${name} in ${target} (checked against ${checkedBy})`);
  }
  return ExitCode.ok;
}
