import { createReadStream, createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yazl from 'yazl';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Packs a folder the way vendors ship ROMs: a zip (deflate, zip64 when needed) or a tar.gz. `prefix` puts the
 * files under a top folder (`images/` in Xiaomi hybrids).
 */
export async function packFolder(
  dir: string,
  out: string,
  format: 'zip' | 'tgz',
  prefix = '',
): Promise<string> {
  const files = await listFiles(dir);
  if (format === 'tgz') {
    await tar.create({ gzip: true, file: out, cwd: dir, portable: true, prefix: prefix || undefined }, files);
    return out;
  }
  const zip = new yazl.ZipFile();
  for (const file of files) zip.addReadStream(createReadStream(join(dir, file)), `${prefix}${file}`);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(out));
  return out;
}
