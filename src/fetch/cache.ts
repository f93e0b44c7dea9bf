import { mkdir, readdir, readFile, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { RomctlError } from '../errors.js';
import { sha256OfFile } from './hashing.js';
import { tryAcquireLock } from './lock.js';

export interface CachedBlob {
  sha256: string;
  size: number;
  path: string;
  /** when it was placed or last handed out verified */
  lastUsed: Date;
}

export interface VerifyReport {
  checked: number;
  bytes: number;
  /** removed: their bytes no longer match their name */
  corrupt: { sha256: string; actual: string; path: string }[];
}

export interface PruneReport {
  removed: string[];
  bytes: number;
}

const hexSha256 = /^[0-9a-f]{64}$/;
const hexMd5 = /^[0-9a-f]{32}$/;

/**
 * The content-addressed store: `sha256/ab/abcdef…` holds only blobs whose hash was checked before they were
 * renamed in; `partial/` holds resumable downloads, `locks/` one lock per download, `md5/<md5>` the sha256 of
 * a blob known to the registry only by its vendor md5.
 */
export class BlobCache {
  /** blobs already hashed in this process, by path, with the file identity they had then */
  private readonly verified = new Map<string, string>();

  constructor(readonly root: string) {}

  /** `dir`, else `$XDG_CACHE_HOME/romctl`, else `~/.cache/romctl`. */
  static at(dir?: string, env: NodeJS.ProcessEnv = process.env): BlobCache {
    if (dir !== undefined && dir !== '') return new BlobCache(resolve(dir));
    const base =
      env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
    return new BlobCache(join(base, 'romctl'));
  }

  blobPath(sha256: string): string {
    const sha = checkedSha256(sha256);
    return join(this.root, 'sha256', sha.slice(0, 2), sha);
  }

  /** The file stem for a download's partial file (`.part`) and its state (`.json`). */
  partialStem(key: string): string {
    return join(this.root, 'partial', key);
  }

  lockPath(key: string): string {
    return join(this.root, 'locks', `${key}.lock`);
  }

  /** The blob's path if present with the expected size; cheap, but trusts the bytes. Use for listing. */
  async get(sha256: string, size?: number): Promise<string | undefined> {
    const path = this.blobPath(sha256);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || (size !== undefined && info.size !== size)) return undefined;
    return path;
  }

  /**
   * The blob's path only after its bytes hash to its name; a corrupt blob is removed and `undefined` returned.
   * Anything that hands a blob to unpacking or flashing goes through here. A blob already hashed by this
   * process (and unchanged since) is not hashed again.
   */
  async getVerified(sha256: string, signal?: AbortSignal): Promise<string | undefined> {
    const path = await this.get(sha256);
    if (path === undefined) return undefined;
    if (this.verified.get(path) === (await identity(path))) return path;
    const actual = await sha256OfFile(path, signal);
    if (actual !== sha256) {
      this.verified.delete(path);
      await rm(path, { force: true });
      return undefined;
    }
    const now = new Date();
    await utimes(path, now, now);
    await this.remember(path);
    return path;
  }

  async lookupMd5(md5: string): Promise<string | undefined> {
    if (!hexMd5.test(md5)) return undefined;
    const text = await readFile(join(this.root, 'md5', md5), 'utf8').catch(() => undefined);
    const sha = text?.trim();
    return sha !== undefined && hexSha256.test(sha) ? sha : undefined;
  }

  /** Moves a file whose hash the caller has just checked into the store (same file system: atomic). */
  async place(file: string, sha256: string, md5?: string): Promise<string> {
    const path = this.blobPath(sha256);
    await mkdir(join(path, '..'), { recursive: true });
    await rename(file, path);
    await this.remember(path);
    if (md5 !== undefined && hexMd5.test(md5)) {
      await mkdir(join(this.root, 'md5'), { recursive: true });
      await writeFile(join(this.root, 'md5', md5), `${sha256}\n`);
    }
    return path;
  }

  async list(): Promise<CachedBlob[]> {
    const blobs: CachedBlob[] = [];
    for (const prefix of await names(join(this.root, 'sha256'))) {
      for (const name of await names(join(this.root, 'sha256', prefix))) {
        if (!hexSha256.test(name) || !name.startsWith(prefix)) continue;
        const path = join(this.root, 'sha256', prefix, name);
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile()) blobs.push({ sha256: name, size: info.size, path, lastUsed: info.mtime });
      }
    }
    return blobs.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
  }

  /** Downloads in progress or interrupted: their key (sha256, or `md5-…`) and the bytes held. */
  async listPartials(): Promise<{ key: string; bytes: number; path: string; lastModified: Date }[]> {
    const dir = join(this.root, 'partial');
    const found = [];
    for (const name of await names(dir)) {
      if (!name.endsWith('.part')) continue;
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info?.isFile()) {
        found.push({
          key: name.slice(0, -5),
          bytes: info.size,
          path: join(dir, name),
          lastModified: info.mtime,
        });
      }
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Rehashes every blob; the ones that do not match their name are removed and reported. */
  async verify(
    onBlob?: (blob: CachedBlob, ok: boolean) => void,
    signal?: AbortSignal,
  ): Promise<VerifyReport> {
    const report: VerifyReport = { checked: 0, bytes: 0, corrupt: [] };
    for (const blob of await this.list()) {
      const actual = await sha256OfFile(blob.path, signal);
      report.checked += 1;
      report.bytes += blob.size;
      const ok = actual === blob.sha256;
      if (!ok) {
        await rm(blob.path, { force: true });
        this.verified.delete(blob.path);
        report.corrupt.push({ sha256: blob.sha256, actual, path: blob.path });
      }
      onBlob?.(blob, ok);
    }
    return report;
  }

  /**
   * Removes blobs and partial downloads not used for `olderThanMs` (everything with `all`), then md5 aliases
   * whose blob is gone. Partials of a download another living process holds the lock for are left alone.
   */
  async prune(options: { olderThanMs?: number; all?: boolean; now?: number }): Promise<PruneReport> {
    const now = options.now ?? Date.now();
    const old = (mtimeMs: number) =>
      options.all === true || (options.olderThanMs !== undefined && now - mtimeMs >= options.olderThanMs);
    const report: PruneReport = { removed: [], bytes: 0 };
    const remove = async (path: string, size: number) => {
      await rm(path, { force: true });
      this.verified.delete(path);
      report.removed.push(path);
      report.bytes += size;
    };
    for (const blob of await this.list()) {
      if (!old(blob.lastUsed.getTime())) continue;
      await remove(blob.path, blob.size);
      // its prefix folder goes with the last blob in it (rmdir refuses a folder that is not empty)
      await rmdir(join(blob.path, '..')).catch(() => undefined);
    }
    const partialDir = join(this.root, 'partial');
    for (const name of await names(partialDir)) {
      const key = name.replace(/\.(part|json)$/, '');
      const path = join(partialDir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info || !old(info.mtimeMs)) continue;
      // a download running now holds its lock; a lock left by a killed process is taken over
      const lock = await tryAcquireLock(this.lockPath(key));
      if (lock === undefined) continue;
      try {
        await remove(path, info.size);
      } finally {
        await lock.release();
      }
    }
    for (const md5 of await names(join(this.root, 'md5'))) {
      const sha = await this.lookupMd5(md5);
      if (sha === undefined || (await this.get(sha)) === undefined) {
        await rm(join(this.root, 'md5', md5), { force: true });
      }
    }
    return report;
  }

  private async remember(path: string): Promise<void> {
    this.verified.set(path, await identity(path));
  }
}

export function checkedSha256(value: string): string {
  const sha = value.toLowerCase();
  if (!hexSha256.test(sha)) {
    throw new RomctlError(`not a sha256: ${value}`, { hint: 'a sha256 is 64 hexadecimal digits' });
  }
  return sha;
}

export function checkedMd5(value: string): string {
  const md5 = value.toLowerCase();
  if (!hexMd5.test(md5))
    throw new RomctlError(`not an md5: ${value}`, { hint: 'an md5 is 32 hexadecimal digits' });
  return md5;
}

/** Changes whenever the file is replaced or written (inode, size, modification and change times). */
async function identity(path: string): Promise<string> {
  const info = await stat(path, { bigint: true }).catch(() => undefined);
  return info === undefined ? '' : `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
