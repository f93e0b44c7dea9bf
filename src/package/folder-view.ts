import { createReadStream, type Dirent } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { EntryTable, type RawEntry } from './entry-table.js';
import { asEntryError, guardEntryStream } from './entry-stream.js';
import { TableView } from './table-view.js';
import { PackageError, entryWhere, type PackageLimits } from './types.js';

/** A folder on disk seen as a package. Links are followed only when they resolve inside the folder. */
export class FolderView extends TableView<string> {
  constructor(
    source: string,
    sourceSize: number,
    table: EntryTable<string>,
    private readonly realRoot: string,
  ) {
    super('folder', source, sourceSize, table);
  }

  async open(path: string): Promise<Readable> {
    const { entry, handle } = this.fileFor(path);
    const where = entryWhere(this.source, entry.path);
    let real: string;
    try {
      real = await realpath(handle);
    } catch (error) {
      throw asEntryError(error, where);
    }
    // the listing is a snapshot: a link swapped in afterwards must still not lead out of the folder
    if (!real.startsWith(this.realRoot + sep)) {
      throw new PackageError('package.link-escapes', 'resolves outside the folder', { where });
    }
    // 1 MiB reads, as the zip view does: Node's default 64 KiB makes hashing a large package syscall-bound
    return guardEntryStream(createReadStream(real, { highWaterMark: 1 << 20 }), { size: entry.size, where });
  }

  async close(): Promise<void> {}
}

export interface FolderOptions {
  limits: PackageLimits;
  /** false: only the folder's own files (a single scatter the user named lives beside its images) */
  recursive: boolean;
}

export async function openFolder(root: string, options: FolderOptions): Promise<FolderView> {
  const table = new EntryTable<string>(root, options.limits);
  const realRoot = await realpath(root);
  let total = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const children: Dirent[] = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const child of children) {
      const full = join(dir, child.name);
      const name = prefix + child.name;
      // on disk a backslash is an ordinary character, but the entry-name rules read it as a separator
      if (child.name.includes('\\')) {
        table.report('package.unsafe-path', 'warning', 'file name contains a backslash; left out', name);
        continue;
      }
      const raw = await describe(full, name);
      table.add(raw, full);
      if (raw.kind === 'file') total += raw.size;
      if (raw.kind === 'dir' && options.recursive) await walk(full, `${name}/`);
    }
  };
  await walk(root, '');
  table.finish();
  return new FolderView(root, total, table, realRoot);
}

async function describe(full: string, name: string): Promise<RawEntry> {
  const info = await lstat(full);
  if (info.isFile()) return { name, kind: 'file', size: info.size };
  if (info.isDirectory()) return { name, kind: 'dir', size: 0 };
  if (info.isSymbolicLink()) return { name, kind: 'symlink', size: 0, linkTarget: await readlink(full) };
  const specialType = info.isFIFO()
    ? 'FIFO'
    : info.isSocket()
      ? 'socket'
      : info.isCharacterDevice()
        ? 'character device'
        : 'block device';
  return { name, kind: 'special', size: 0, specialType };
}
