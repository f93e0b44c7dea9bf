import type { Readable } from 'node:stream';
import { ExitCode, RomctlError } from '../errors.js';

export type PackageFormat = 'folder' | 'zip' | 'tar';

export type PackageEntryKind = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface PackageEntry {
  /** normalised: `/`-separated, relative, no `.`/`..`/empty components, no trailing slash */
  path: string;
  /** uncompressed size in bytes as the archive declares it (0 for folders and links) */
  size: number;
  /** bytes the entry occupies in a zip (compressed); absent for folders and tar */
  compressedSize?: number;
  kind: PackageEntryKind;
  /** for links: the target as written in the archive */
  linkTarget?: string;
}

export type PackageProblemCode =
  | 'package.unsafe-path'
  | 'package.link-escapes'
  | 'package.dangling-link'
  | 'package.duplicate-entry'
  | 'package.case-duplicate'
  | 'package.special-file'
  | 'package.bomb'
  | 'package.truncated'
  | 'package.corrupt-entry'
  | 'package.encrypted'
  | 'package.unsupported-compression'
  | 'package.no-space';

export interface PackageProblem {
  code: PackageProblemCode;
  /** `error`: the package must not be extracted or flashed; `warning`: suspicious but harmless here */
  severity: 'error' | 'warning';
  message: string;
  /** the entry name as the archive spells it (raw, before normalisation) */
  entry?: string;
}

export type EntryVisitor = (entry: PackageEntry, stream: Readable) => Promise<void>;
export type EntryFilter = (entry: PackageEntry) => boolean;

/** A read-only view of a ROM package, whatever its container. */
export interface PackageView {
  readonly format: PackageFormat;
  /** the path the user gave (the archive file, or the folder) */
  readonly source: string;
  /** size of the archive file in bytes (for folders: the sum of file sizes) */
  readonly sourceSize: number;
  /** when the user named a single scatter/text file: its path inside this (folder) view */
  readonly chosenScatter?: string;
  /** everything unsafe or damaged found while listing; unsafe entries are left out of entries() */
  readonly problems: readonly PackageProblem[];
  /** safe entries in archive order (files, dirs and in-tree links); first occurrence of duplicated names */
  entries(): readonly PackageEntry[];
  /** the entry with this normalised path, if listed */
  entry(path: string): PackageEntry | undefined;
  /** the file a path names after following links inside the package; undefined for folders and bad links */
  resolve(path: string): PackageEntry | undefined;
  /**
   * A stream of one file's bytes (links are followed inside the tree). The stream fails with a PackageError if
   * it delivers more or fewer bytes than declared. Cost: zip and folder seek directly; tar re-reads the archive
   * from the start up to the entry (tar.gz cannot seek) — use forEach to read many entries.
   */
  open(path: string): Promise<Readable>;
  /**
   * Calls `visitor` once per wanted file, one at a time, in the cheapest order (zip: data offset, tar: archive
   * order in a single pass, folder: listing order). A stream the visitor leaves unread is drained.
   */
  forEach(visitor: EntryVisitor, filter?: EntryFilter): Promise<void>;
  close(): Promise<void>;
}

export interface PackageLimits {
  /** entries beyond this make the package unreadable (RomctlError) */
  maxEntries: number;
  /** declared uncompressed/compressed bytes of one zip entry; deflate cannot exceed ~1032:1, so more is a lie */
  maxEntryRatio: number;
  /** declared (listing) or actual (streaming, extraction) total uncompressed bytes */
  maxTotalBytes: number;
  /** total uncompressed bytes / archive bytes, enforced only once the output passes ratioFloorBytes */
  maxTotalRatio: number;
  ratioFloorBytes: number;
}

const GiB = 1024 ** 3;

export const defaultPackageLimits: PackageLimits = {
  maxEntries: 100_000,
  maxEntryRatio: 1100,
  maxTotalBytes: 64 * GiB,
  maxTotalRatio: 1000,
  ratioFloorBytes: 1 * GiB,
};

/** A RomctlError that also carries the package problem code, so callers and tests can tell failures apart. */
export class PackageError extends RomctlError {
  readonly code: PackageProblemCode | 'package.unreadable' | 'package.not-found';

  constructor(
    code: PackageError['code'],
    message: string,
    options: { where: string; hint?: string; cause?: unknown },
  ) {
    super(message, { exitCode: ExitCode.badInput, ...options });
    this.name = 'PackageError';
    this.code = code;
  }
}

/** `archive!entry`, the `where` of every error about one entry of a package. */
export function entryWhere(source: string, entry: string): string {
  return `${source}!${entry}`;
}
