import { caseFoldKey, normaliseEntryPath } from './entry-path.js';
import {
  PackageError,
  type PackageEntry,
  type PackageEntryKind,
  type PackageLimits,
  type PackageProblem,
} from './types.js';

/** One entry as a container reports it, before any safety check. */
export interface RawEntry {
  name: string;
  kind: PackageEntryKind | 'special';
  size: number;
  compressedSize?: number;
  linkTarget?: string;
  /** for special files: what it is (character device, FIFO …) */
  specialType?: string;
}

export type Resolution =
  { ok: true; entry: PackageEntry } | { ok: false; reason: 'escapes' | 'dangling' | 'loop' | 'not-a-file' };

const maxLinkHops = 40;

/** The listed entries of one package, each with the container's own handle (`T`), and the problems found. */
export class EntryTable<T> {
  readonly list: PackageEntry[] = [];
  readonly problems: PackageProblem[] = [];
  private readonly byPath = new Map<string, { entry: PackageEntry; handle: T }>();
  private readonly byCaseKey = new Map<string, string>();
  private readonly impliedDirs = new Set<string>();
  /** every path the package would create, listed or implied by a deeper path: what maxEntries counts */
  private readonly allPaths = new Set<string>();
  private leftOut = 0;
  private declaredTotal = 0;

  constructor(
    private readonly source: string,
    private readonly limits: PackageLimits,
  ) {}

  /**
   * Adds an entry, or records why it is left out. Throws once the entry count passes the limit: the count is
   * the one definition for archives and folders alike, every file, link and folder the package holds (listed
   * or implied by a deeper path) plus every entry left out, so a folder unpacked from an archive that passed
   * never counts more than the archive did.
   */
  add(raw: RawEntry, handle: T): PackageEntry | undefined {
    const normalised = normaliseEntryPath(raw.name);
    if (!normalised.ok) {
      this.leaveOut();
      this.report('package.unsafe-path', 'error', `entry name ${normalised.reason}`, raw.name);
      return undefined;
    }
    const path = normalised.path;
    if (path === '') return undefined;
    if (raw.kind === 'special') {
      this.leaveOut();
      this.report(
        'package.special-file',
        'error',
        `${raw.specialType ?? 'special file'} in a ROM package`,
        raw.name,
      );
      return undefined;
    }
    const existing = this.byPath.get(path);
    if (existing) {
      if (!(existing.entry.kind === 'dir' && raw.kind === 'dir')) {
        this.leaveOut();
        this.report(
          'package.duplicate-entry',
          'error',
          `${path} appears more than once; tools disagree which copy wins`,
          raw.name,
        );
      }
      return undefined;
    }
    this.count(path);
    const key = caseFoldKey(path);
    const caseTwin = this.byCaseKey.get(key);
    if (caseTwin !== undefined) {
      this.report(
        'package.case-duplicate',
        'warning',
        `${path} and ${caseTwin} differ only in letter case; one overwrites the other on Windows and macOS`,
        raw.name,
      );
    } else {
      this.byCaseKey.set(key, path);
    }
    const entry: PackageEntry = { path, size: raw.kind === 'file' ? raw.size : 0, kind: raw.kind };
    if (raw.compressedSize !== undefined) entry.compressedSize = raw.compressedSize;
    if (raw.linkTarget !== undefined) entry.linkTarget = raw.linkTarget;
    this.byPath.set(path, { entry, handle });
    this.list.push(entry);
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      this.impliedDirs.add(path.slice(0, cut));
    }
    if (entry.kind === 'file') this.declaredTotal += entry.size;
    return entry;
  }

  private leaveOut(): void {
    this.leftOut++;
    this.checkCount();
  }

  private count(path: string): void {
    for (let cut = path.length; cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      const prefix = path.slice(0, cut);
      if (this.allPaths.has(prefix)) break;
      this.allPaths.add(prefix);
    }
    this.checkCount();
  }

  private checkCount(): void {
    if (this.allPaths.size + this.leftOut <= this.limits.maxEntries) return;
    throw new PackageError('package.bomb', `more than ${this.limits.maxEntries} entries`, {
      where: this.source,
      hint: 'this is not a ROM package, or a deliberately inflated one',
    });
  }

  report(
    code: PackageProblem['code'],
    severity: PackageProblem['severity'],
    message: string,
    entry?: string,
  ): void {
    const problem: PackageProblem = { code, severity, message };
    if (entry !== undefined) problem.entry = entry;
    this.problems.push(problem);
  }

  /** Checks links and the declared total once every entry is in; links that escape are removed. */
  finish(): void {
    for (const entry of this.list.filter((e) => e.kind === 'symlink' || e.kind === 'hardlink')) {
      const resolution = this.resolve(entry.path);
      if (resolution.ok || resolution.reason === 'not-a-file') continue;
      if (resolution.reason === 'dangling') {
        this.report(
          'package.dangling-link',
          'warning',
          `link target ${entry.linkTarget ?? ''} is not in the package`,
          entry.path,
        );
        continue;
      }
      const why =
        resolution.reason === 'loop'
          ? 'links in a loop'
          : `points outside the package (${entry.linkTarget ?? ''})`;
      this.report('package.link-escapes', 'error', `link ${why}`, entry.path);
      this.drop(entry.path);
    }
    if (this.declaredTotal > this.limits.maxTotalBytes) {
      this.report(
        'package.bomb',
        'error',
        `entries declare ${this.declaredTotal} bytes in total, more than the limit of ${this.limits.maxTotalBytes}`,
      );
    }
  }

  get(path: string): PackageEntry | undefined {
    return this.byPath.get(path)?.entry;
  }

  handle(path: string): T | undefined {
    return this.byPath.get(path)?.handle;
  }

  /**
   * Follows links component by component the way a file system would, so `d -> .` followed by `d/..` is seen
   * to climb out of the root even though each link alone looks harmless.
   */
  resolve(path: string): Resolution {
    let pending = path.split('/');
    let done: string[] = [];
    let hops = 0;
    for (;;) {
      while (pending.length > 0) {
        const part = pending.shift() as string;
        if (part === '' || part === '.') continue;
        if (part === '..') {
          if (done.length === 0) return { ok: false, reason: 'escapes' };
          done.pop();
          continue;
        }
        const candidate = [...done, part].join('/');
        const link = this.byPath.get(candidate)?.entry;
        if (link?.kind === 'symlink') {
          if (++hops > maxLinkHops) return { ok: false, reason: 'loop' };
          const target = (link.linkTarget ?? '').replace(/\\/g, '/');
          if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return { ok: false, reason: 'escapes' };
          pending = [...target.split('/'), ...pending];
          continue;
        }
        done.push(part);
      }
      const finalPath = done.join('/');
      const found = this.byPath.get(finalPath)?.entry;
      if (found?.kind === 'hardlink') {
        if (++hops > maxLinkHops) return { ok: false, reason: 'loop' };
        pending = (found.linkTarget ?? '').replace(/\\/g, '/').split('/');
        if (pending[0] === '') return { ok: false, reason: 'escapes' };
        done = [];
        continue;
      }
      if (found?.kind === 'file') return { ok: true, entry: found };
      if (found?.kind === 'dir' || this.impliedDirs.has(finalPath) || finalPath === '') {
        return { ok: false, reason: 'not-a-file' };
      }
      return { ok: false, reason: 'dangling' };
    }
  }

  /** Takes an entry out of the listing (its problem is reported separately). */
  drop(path: string): void {
    this.byPath.delete(path);
    const index = this.list.findIndex((e) => e.path === path);
    if (index >= 0) this.list.splice(index, 1);
  }
}
