import type { Readable } from 'node:stream';
import type { EntryTable } from './entry-table.js';
import {
  PackageError,
  entryWhere,
  type EntryFilter,
  type EntryVisitor,
  type PackageEntry,
  type PackageFormat,
  type PackageProblem,
  type PackageView,
} from './types.js';

/** What the three views share: the listing, link resolution and, for seekable containers, forEach over open. */
export abstract class TableView<T> implements PackageView {
  chosenScatter?: string;

  constructor(
    readonly format: PackageFormat,
    readonly source: string,
    readonly sourceSize: number,
    protected readonly table: EntryTable<T>,
  ) {}

  get problems(): readonly PackageProblem[] {
    return this.table.problems;
  }

  entries(): readonly PackageEntry[] {
    return this.table.list;
  }

  entry(path: string): PackageEntry | undefined {
    return this.table.get(path);
  }

  /** The file a path names, following links inside the package; undefined for folders, dangling or escaping links. */
  resolve(path: string): PackageEntry | undefined {
    const resolution = this.table.resolve(path);
    return resolution.ok ? resolution.entry : undefined;
  }

  abstract open(path: string): Promise<Readable>;
  abstract close(): Promise<void>;

  async forEach(visitor: EntryVisitor, filter?: EntryFilter): Promise<void> {
    const wanted = this.table.list.filter((e) => e.kind === 'file' && (filter?.(e) ?? true));
    for (const entry of this.readOrder(wanted)) {
      const stream = await this.open(entry.path);
      try {
        await visitor(entry, stream);
      } finally {
        // a seekable container need not read what the visitor skipped
        if (!stream.readableEnded) stream.destroy();
      }
    }
  }

  /** The cheapest order to read these entries in; listing order unless the container knows better. */
  protected readOrder(entries: PackageEntry[]): PackageEntry[] {
    return entries;
  }

  /** The file entry and its handle for a path, following links; a PackageError when there is none. */
  protected fileFor(path: string): { entry: PackageEntry; handle: T } {
    const resolution = this.table.resolve(path);
    if (!resolution.ok) {
      const why = {
        escapes: 'is a link pointing outside the package',
        dangling: 'is not in the package',
        loop: 'is a link loop',
        'not-a-file': 'is a folder, not a file',
      }[resolution.reason];
      throw new PackageError('package.not-found', why, { where: entryWhere(this.source, path) });
    }
    const handle = this.table.handle(resolution.entry.path) as T;
    return { entry: resolution.entry, handle };
  }
}
