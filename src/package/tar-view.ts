import type { Readable } from 'node:stream';
import type { ReadEntry } from 'tar';
import { EntryTable, type RawEntry } from './entry-table.js';
import { guardEntryStream } from './entry-stream.js';
import { TableView } from './table-view.js';
import { scanTar } from './tar-scan.js';
import {
  PackageError,
  entryWhere,
  type EntryFilter,
  type EntryVisitor,
  type PackageEntry,
  type PackageLimits,
} from './types.js';

/**
 * A tar or tar.gz. A gzip stream cannot seek, so the view is built on sequential passes: opening lists every
 * header (reading the whole archive once), forEach reads the wanted entries in one more pass, and open(path)
 * re-reads the archive from the start up to that entry — fine for a scatter, wasteful for many images.
 * Handles are ordinals: the n-th entry node-tar emits.
 */
export class TarView extends TableView<number> {
  constructor(
    source: string,
    sourceSize: number,
    table: EntryTable<number>,
    private readonly limits: PackageLimits,
  ) {
    super('tar', source, sourceSize, table);
  }

  async open(path: string): Promise<Readable> {
    const { entry, handle } = this.fileFor(path);
    return new Promise<Readable>((resolve, reject) => {
      let found = false;
      scanTar(this.source, this.limits, async (raw, ordinal) => {
        if (ordinal < handle) {
          raw.resume();
          return false;
        }
        found = true;
        const stream = this.guard(raw, entry);
        resolve(stream);
        await untilClosed(stream);
        return true;
      }).then(() => {
        if (!found) reject(this.vanished(entry));
      }, reject);
    });
  }

  override async forEach(visitor: EntryVisitor, filter?: EntryFilter): Promise<void> {
    const wanted = new Map<number, PackageEntry>();
    for (const entry of this.table.list) {
      if (entry.kind === 'file' && (filter?.(entry) ?? true))
        wanted.set(this.table.handle(entry.path) as number, entry);
    }
    if (wanted.size === 0) return;
    const last = Math.max(...wanted.keys());
    let visited = 0;
    await scanTar(this.source, this.limits, async (raw, ordinal) => {
      const entry = wanted.get(ordinal);
      if (!entry) {
        raw.resume();
        return ordinal >= last;
      }
      const stream = this.guard(raw, entry);
      try {
        await visitor(entry, stream);
      } finally {
        // what the visitor left unread is drained; a failure there is the visitor's to ignore
        if (!stream.readableEnded && !stream.destroyed) stream.on('error', () => undefined).resume();
      }
      await untilClosed(stream);
      visited++;
      return ordinal >= last;
    });
    if (visited < wanted.size) throw this.vanished([...wanted.values()][visited] as PackageEntry);
  }

  async close(): Promise<void> {}

  private guard(raw: ReadEntry, entry: PackageEntry): Readable {
    return guardEntryStream(raw, {
      size: entry.size,
      where: entryWhere(this.source, entry.path),
      // a tar entry cannot be skipped without reading it: drain it so the scan moves on
      release: (guard) => {
        raw.unpipe(guard);
        raw.resume();
      },
    });
  }

  private vanished(entry: PackageEntry): PackageError {
    return new PackageError('package.truncated', 'entry listed earlier is no longer in the archive', {
      where: entryWhere(this.source, entry.path),
      hint: 'the file changed or is damaged; download it again',
    });
  }
}

export async function openTar(path: string, sourceSize: number, limits: PackageLimits): Promise<TarView> {
  const table = new EntryTable<number>(path, limits);
  const pathOf = new Map<number, string>();
  const outcome = await scanTar(path, limits, (raw, ordinal) => {
    const listed = table.add(describe(raw), ordinal);
    if (listed) pathOf.set(ordinal, listed.path);
    raw.resume();
    return false;
  });
  for (const ordinal of outcome.incomplete) {
    const listed = pathOf.get(ordinal);
    if (listed !== undefined && table.handle(listed) === ordinal) table.drop(listed);
  }
  for (const problem of outcome.problems)
    table.report(problem.code, problem.severity, problem.message, problem.entry);
  table.finish();
  return new TarView(path, sourceSize, table, limits);
}

function describe(raw: ReadEntry): RawEntry {
  const base = { name: raw.path, size: raw.size };
  switch (raw.type) {
    case 'Directory':
    case 'GNUDumpDir':
      return { ...base, kind: 'dir' };
    case 'SymbolicLink':
      return { ...base, kind: 'symlink', linkTarget: raw.linkpath ?? '' };
    case 'Link':
      return { ...base, kind: 'hardlink', linkTarget: raw.linkpath ?? '' };
    case 'CharacterDevice':
      return { ...base, kind: 'special', specialType: 'character device' };
    case 'BlockDevice':
      return { ...base, kind: 'special', specialType: 'block device' };
    case 'FIFO':
      return { ...base, kind: 'special', specialType: 'FIFO' };
    default:
      return { ...base, kind: 'file' };
  }
}

function untilClosed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
