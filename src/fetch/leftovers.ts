import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobCache, PruneReport } from './cache.js';
import { tryAcquireLock } from './lock.js';
import { BUNDLE_MARKER, REFUSED_INFIX, STAGING_INFIX } from './unpack.js';

/** The lock a bundle's unpack holds: `bundle-<codename>-<id>`. */
export function bundleLockPath(cache: BlobCache, codename: string, id: string): string {
  return cache.lockPath(`bundle-${codename}-${id}`);
}

/** A bundle folder, or a leftover beside it, under `<root>/bundles/<codename>/`. */
export interface BundleDirEntry {
  codename: string;
  /** the bundle id it belongs to */
  id: string;
  name: string;
  path: string;
}

const staging = new RegExp(`^\\.(.+)${STAGING_INFIX.replace('.', '\\.')}[^/]+$`);

/** Everything under `<root>/bundles/<codename>/`, with the bundle id each entry belongs to. */
export async function listBundleDir(root: string): Promise<BundleDirEntry[]> {
  const found: BundleDirEntry[] = [];
  const bundles = join(root, 'bundles');
  for (const codename of await names(bundles)) {
    for (const name of await names(join(bundles, codename))) {
      const id = staging.exec(name)?.[1] ?? name.split(REFUSED_INFIX)[0] ?? name;
      found.push({ codename, id, name, path: join(bundles, codename, name) });
    }
  }
  return found;
}

/**
 * Removes the staging folders of unpacks that were killed (`.<id>.unpack-*` beside `<id>`), each only while
 * holding that bundle's lock, so an unpack running in another process right now keeps its folder.
 */
export async function removeStaleStaging(cache: BlobCache, root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await listBundleDir(root)) {
    if (!staging.test(entry.name)) continue;
    const lock = await tryAcquireLock(bundleLockPath(cache, entry.codename, entry.id));
    if (lock === undefined) continue;
    try {
      await rm(entry.path, { recursive: true, force: true });
      removed.push(entry.path);
    } finally {
      await lock.release();
    }
  }
  return removed;
}

/**
 * Removes unpacked bundles under `<root>/bundles` not used for `olderThanMs` (every one with `all`): verified
 * folders by when they were last fetched, refused folders kept for inspection and stale staging folders by
 * their age. A bundle another process is unpacking or reusing right now (its lock is held) is left alone.
 */
export async function pruneBundles(
  cache: BlobCache,
  root: string,
  options: { olderThanMs?: number; all?: boolean; now?: number },
): Promise<PruneReport> {
  const now = options.now ?? Date.now();
  const report: PruneReport = { removed: [], bytes: 0 };
  for (const entry of await listBundleDir(root)) {
    const ours = staging.test(entry.name) || entry.name.includes(REFUSED_INFIX);
    const used = await stat(ours ? entry.path : join(entry.path, BUNDLE_MARKER)).catch(() => undefined);
    // a folder without our marker was not made by romctl (or is being made): not ours to delete
    if (used === undefined) continue;
    const old =
      options.all === true ||
      (options.olderThanMs !== undefined && now - used.mtimeMs >= options.olderThanMs);
    if (!old) continue;
    const lock = await tryAcquireLock(bundleLockPath(cache, entry.codename, entry.id));
    if (lock === undefined) continue;
    try {
      const bytes = await folderBytes(entry.path);
      await rm(entry.path, { recursive: true, force: true });
      report.removed.push(entry.path);
      report.bytes += bytes;
    } finally {
      await lock.release();
    }
  }
  return report;
}

async function folderBytes(folder: string): Promise<number> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile())
      total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
