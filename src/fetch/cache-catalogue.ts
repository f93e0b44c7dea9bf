/**
 * What the cache's content-addressed blobs are to a person: the file name, device and release each was
 * fetched for (`labels/<sha256>.json`, written by fetch), and the unpacked bundles under `bundles/`.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobCache } from './cache.js';
import { BUNDLE_MARKER } from './unpack.js';

export interface BlobLabel {
  name: string;
  codename: string;
  /** the bundle id (`fetch --release` picks it) */
  bundle: string;
  version: string;
}

export interface UnpackedBundle {
  codename: string;
  bundle: string;
  path: string;
  size: number;
  /** when it was unpacked or last reused */
  lastUsed: Date;
}

const hexSha256 = /^[0-9a-f]{64}$/;
const labelDir = (cache: BlobCache) => join(cache.root, 'labels');

export async function labelBlob(cache: BlobCache, sha256: string, label: BlobLabel): Promise<void> {
  if (!hexSha256.test(sha256)) return;
  await mkdir(labelDir(cache), { recursive: true });
  await writeFile(join(labelDir(cache), `${sha256}.json`), `${JSON.stringify(label)}\n`);
}

export async function blobLabels(cache: BlobCache): Promise<Map<string, BlobLabel>> {
  const labels = new Map<string, BlobLabel>();
  for (const name of await names(labelDir(cache))) {
    const sha = name.replace(/\.json$/, '');
    if (!hexSha256.test(sha)) continue;
    const label = await readJson(join(labelDir(cache), name));
    if (isLabel(label)) labels.set(sha, label);
  }
  return labels;
}

/** Every `bundles/<codename>/<id>/` romctl unpacked (it holds the bundle marker), with its size on disk. */
export async function unpackedBundles(cache: BlobCache): Promise<UnpackedBundle[]> {
  const found: UnpackedBundle[] = [];
  const root = join(cache.root, 'bundles');
  for (const codename of await names(root)) {
    for (const bundle of await names(join(root, codename))) {
      const path = join(root, codename, bundle);
      const marker = await stat(join(path, BUNDLE_MARKER)).catch(() => undefined);
      if (!marker?.isFile()) continue;
      const folder = await stat(path);
      const lastUsed = folder.mtimeMs > marker.mtimeMs ? folder.mtime : marker.mtime;
      found.push({ codename, bundle, path, size: await sizeOf(path), lastUsed });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** Removes the labels of blobs that are gone (unpacked bundles are pruned by pruneBundles, under their locks). */
export async function pruneLabels(cache: BlobCache): Promise<void> {
  for (const sha of (await blobLabels(cache)).keys()) {
    if ((await cache.get(sha)) === undefined) await rm(join(labelDir(cache), `${sha}.json`), { force: true });
  }
}

async function sizeOf(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const info = await stat(join(entry.parentPath, entry.name)).catch(() => undefined);
    total += info?.size ?? 0;
  }
  return total;
}

async function names(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isLabel(value: unknown): value is BlobLabel {
  const label = value as Partial<BlobLabel> | undefined;
  return (
    typeof label?.name === 'string' &&
    typeof label.codename === 'string' &&
    typeof label.bundle === 'string' &&
    typeof label.version === 'string'
  );
}
