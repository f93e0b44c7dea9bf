import { join } from 'node:path';
import type { Bundle, BundleFile } from '../registry/model.js';
import type { BlobCache } from './cache.js';
import { fetchBlob } from './fetch-blob.js';
import { bundleLockPath, removeStaleStaging } from './leftovers.js';
import { withLock } from './lock.js';
import { downloadError } from './source-error.js';
import type { FetchOptions } from './types.js';
import { labelBlob } from './cache-catalogue.js';
import { unpackBundle, type BundleArchive, type UnpackOptions, type UnpackResult } from './unpack.js';

export interface FetchBundleOptions {
  cache: BlobCache;
  /** `bundles/<codename>/<id>/` is made under this folder; default the cache's folder */
  outDir?: string;
  /** false: only download (and verify) the files into the cache */
  unpack?: boolean;
  /** passed to every fetchBlob: mirrors, progress, timeouts, retries, signal … */
  fetch?: Omit<FetchOptions, 'cache'>;
  /** the check that must pass before the folder is marked verified, a refused folder's fate, the disk margin */
  unpackOptions?: UnpackOptions;
  /** a warning for the user (the CLI puts it on stderr) */
  note?: (text: string) => void;
}

export interface FetchedFile extends BundleArchive {
  size: number;
  /** the url the bytes came from, or `cache` */
  source: string;
  /** what the download was checked against: the registry's sha256, or only the vendor's md5 */
  checkedBy: 'sha256' | 'md5';
}

export interface FetchedBundle {
  files: FetchedFile[];
  /** the unpacked, verified package (absent with `unpack: false`) */
  folder?: string;
  reused: boolean;
  /** content files whose sha256 the bundle lists, checked after unpacking */
  verified: string[];
  /** set when the unpack options' `accept` refused the folder */
  refused?: UnpackResult['refused'];
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Downloads every file of a bundle into the cache (each verified by sha256, or by the vendor md5 when that is
 * all the registry knows, with a loud note), then unpacks them into `<out>/bundles/<codename>/<id>/` and checks
 * the content hashes the bundle lists. One process unpacks a bundle at a time. Failures are exit 3.
 */
export async function fetchBundle(bundle: Bundle, options: FetchBundleOptions): Promise<FetchedBundle> {
  if (!TOKEN.test(bundle.codename) || !TOKEN.test(bundle.id)) {
    throw downloadError('the bundle has an unusable codename or id', {
      where: `${bundle.codename}/${bundle.id}`,
    });
  }
  if (bundle.files.length === 0) {
    throw downloadError('the bundle lists no files', {
      where: bundle.id,
      hint: 'the registry entry is incomplete',
    });
  }
  const files: FetchedFile[] = [];
  for (const file of bundle.files) {
    const fetched = await fetchFile(file, options);
    await labelBlob(options.cache, fetched.sha256, {
      name: file.name,
      codename: bundle.codename,
      bundle: bundle.id,
      version: bundle.version,
    });
    files.push(fetched);
  }
  if (options.unpack === false) return { files, reused: false, verified: [] };
  const root = options.outDir ?? options.cache.root;
  for (const path of await removeStaleStaging(options.cache, root)) {
    options.note?.(`removed ${path}, left by an unpack that was interrupted`);
  }
  const folder = join(root, 'bundles', bundle.codename, bundle.id);
  const lock = bundleLockPath(options.cache, bundle.codename, bundle.id);
  const unpacked = await withLock(lock, { pollMs: options.fetch?.lockPollMs ?? 250 }, () =>
    unpackBundle(bundle, files, folder, options.unpackOptions),
  );
  return { files, ...unpacked };
}

async function fetchFile(file: BundleFile, options: FetchBundleOptions): Promise<FetchedFile> {
  const checkedBy = file.sha256 === undefined && file.md5 !== undefined ? 'md5' : 'sha256';
  if (checkedBy === 'md5') {
    options.note?.(
      `WARNING: the registry knows only the vendor md5 of ${file.name}: md5 catches damage, not tampering. ` +
        'The sha256 learnt now is kept, but nothing vouches for it.',
    );
  }
  const result = await fetchBlob(
    {
      name: file.name,
      urls: file.urls,
      ...(file.sha256 === undefined ? {} : { sha256: file.sha256 }),
      ...(file.md5 === undefined ? {} : { md5: file.md5 }),
      ...(file.size === undefined ? {} : { size: file.size }),
    },
    { ...options.fetch, cache: options.cache },
  );
  return {
    name: file.name,
    checkedBy,
    ...result,
    ...(file.unpackedSize === undefined ? {} : { unpackedSize: file.unpackedSize }),
  };
}
