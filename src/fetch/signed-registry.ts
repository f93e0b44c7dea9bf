import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Metadata, MetadataKind, type TargetFile } from '@tufjs/models';
import { Updater } from 'tuf-js';
import { ExitCode, RomctlError } from '../errors.js';
import { INDEX_FILE } from '../registry/location.js';
import { Registry, type DocumentSource, type SignedTargets } from '../registry/registry.js';
import { METADATA_DIR, TARGETS_DIR } from '../registry/trust/metadata-files.js';
import { BlobCache } from './cache.js';
import { withLock } from './lock.js';
import { checkedDetail, checkedIndex, parseIndexJson, registryBase, remoteCheck } from './remote-registry.js';
import { downloadError } from './source-error.js';

export { registryBase };

export interface SignedRegistryOptions {
  /** the root.json the client trusts for this registry (`--registry-root`); default the one romctl ships */
  trustedRoot?: string | undefined;
  cacheDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** milliseconds for each metadata or document request */
  timeoutMs?: number;
}

/** The root of romctl's own registry, shipped in the package (registry/root.json). */
export function embeddedRootFile(): string {
  return fileURLToPath(new URL('../../registry/root.json', import.meta.url));
}

const HINT_HOSTILE =
  'the server or a mirror in between serves metadata romctl must not trust; nothing was used or kept — try later or another --registry';

/** A tuf-js refusal as the user reads it: what attack it looks like, exit 3. */
export function trustFailure(
  error: unknown,
  base: string,
  /** the document being read, when it is not the metadata */
  document?: string,
): RomctlError {
  if (error instanceof RomctlError) return error;
  const status = (error as { statusCode?: unknown })?.statusCode;
  const text = `${(error as Error)?.constructor?.name ?? ''} ${(error as Error)?.message ?? String(error)}`;
  const where = document === undefined ? new URL(`${METADATA_DIR}/`, base).href : `${document} (${base})`;
  const fail = (message: string, hint = HINT_HOSTILE) =>
    downloadError(`signed registry refused: ${message}`, { where, hint, cause: error });
  if (status === 404 && document === undefined) {
    return fail(
      'the registry publishes no signed metadata (no metadata/timestamp.json)',
      'ask its maintainer to publish it with romctl registry publish, or read it unverified with --insecure-registry',
    );
  }
  if (/Max length reached|DownloadLengthMismatch/.test(text)) {
    return fail(
      `${document === undefined ? 'a metadata file' : 'the document'} is larger than the signed metadata allows (endless data)`,
    );
  }
  if (/expired/i.test(text)) {
    return fail(
      `${/(\w+)\.json is expired/.exec(text)?.[0] ?? 'the metadata has expired'} (a freeze: the mirror may be serving stale data)`,
    );
  }
  if (/UnsignedMetadata|signature|threshold/i.test(text)) {
    return fail(
      `metadata is not signed by enough of the trusted keys (${firstLine(error)})`,
      "if you trust this registry's publisher, give its root.json with --registry-root; otherwise it is forged",
    );
  }
  if (
    /BadVersion|EqualVersion|less than current|does not match snapshot|doesn't match timestamp/i.test(text)
  ) {
    return fail(`rollback or mix-and-match: ${firstLine(error)}`);
  }
  if (/LengthOrHashMismatch|Expected (hash|length)/.test(text)) {
    return fail(
      document === undefined
        ? `mix-and-match: the ${/load (\w+)/.exec(text)?.[1] ?? 'metadata'} file is not the one the signed metadata pins (${firstLine(error)})`
        : `the document differs from the hash or length its signed metadata pins (${firstLine(error)})`,
    );
  }
  if (/DownloadHTTPError|fetch failed|ECONN|abort|timeout/i.test(text)) {
    return downloadError(
      `cannot read the signed registry: ${firstLine(error)}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`,
      {
        where,
        hint: 'check the address and the network, or use the embedded registry (leave out --registry)',
        cause: error,
      },
    );
  }
  return fail(firstLine(error));
}

/** tuf-js's message without the wrapping it adds around snapshot and targets failures */
function firstLine(error: unknown): string {
  const text = String((error as Error)?.message ?? error).split('\n')[0] as string;
  return text.replace(/^Unable to load \w+( metadata)? error (\w*Error: )?/, '');
}

async function trustedRootBytes(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
    Metadata.fromJSON(MetadataKind.Root, JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    throw new RomctlError(`not a TUF root.json: ${firstLine(error)}`, {
      where: file,
      exitCode: ExitCode.badInput,
      hint: "give the registry's root.json (romctl registry sign writes it) with --registry-root",
    });
  }
  return bytes;
}

/**
 * A registry published by `romctl registry publish`, read through tuf-js: the client starts from a root it
 * already trusts, follows root rotations, and refuses unsigned or badly signed metadata, rollbacks, expired
 * (frozen) metadata, mixed snapshots, oversized answers and documents whose hash or length differ. The trusted
 * metadata and verified documents are kept under the cache folder, per registry address and trusted root.
 */
export async function openSignedRegistry(
  base: string,
  options: SignedRegistryOptions = {},
): Promise<Registry> {
  const rootFile = options.trustedRoot ?? embeddedRootFile();
  const rootBytes = await trustedRootBytes(rootFile);
  const cache = BlobCache.at(options.cacheDir, options.env);
  const key = createHash('sha256').update(base).update('\0').update(rootBytes).digest('hex').slice(0, 16);
  const mirror = join(cache.root, 'registries', key);
  const metadataDir = join(mirror, METADATA_DIR);
  const targetDir = join(mirror, TARGETS_DIR);
  await mkdir(metadataDir, { recursive: true });
  await mkdir(targetDir, { recursive: true });
  const lock = cache.lockPath(`registry-${key}`);
  const updater = await withLock(lock, {}, async () => {
    const kept = await readFile(join(metadataDir, 'root.json')).catch(() => undefined);
    if (kept === undefined) await writeFile(join(metadataDir, 'root.json'), rootBytes);
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: new URL(`${METADATA_DIR}/`, base).href,
      targetDir,
      targetBaseUrl: new URL(`${TARGETS_DIR}/`, base).href,
      config: { fetchTimeout: options.timeoutMs ?? 60_000, fetchRetry: 2, userAgent: 'romctl' },
    });
    await updater.refresh().catch((error: unknown) => {
      throw trustFailure(error, base);
    });
    return updater;
  });
  const target = async (path: string): Promise<TargetFile> => {
    const info = await updater.getTargetInfo(path).catch((error: unknown) => {
      throw trustFailure(error, base);
    });
    if (!info) {
      throw downloadError(`signed registry: ${path} is not in its signed targets`, {
        where: base,
        hint: 'the registry is incomplete or the index names a file it never signed; tell its maintainer',
      });
    }
    return info;
  };
  const read = async (path: string): Promise<string> => {
    const info = await target(path);
    const file = await withLock(lock, {}, async () => {
      const kept = await updater.findCachedTarget(info);
      return (
        kept ??
        (await updater.downloadTarget(info).catch((error: unknown) => {
          throw trustFailure(error, base, path);
        }))
      );
    });
    return readFile(file, 'utf8');
  };
  const source: DocumentSource = {
    read,
    where: (file) => `${file} (signed, ${base})`,
    invalidExit: ExitCode.download,
  };
  const signed: SignedTargets = {
    root: rootFile,
    file: async (path) => {
      const info = await updater.getTargetInfo(path).catch((error: unknown) => {
        throw trustFailure(error, base);
      });
      const sha256 = info?.hashes.sha256;
      return info && sha256 ? { length: info.length, sha256 } : undefined;
    },
  };
  const index = checkedIndex(parseIndexJson(await read(INDEX_FILE), base), base);
  return new Registry(base, index, {
    source,
    check: async () => remoteCheck,
    checkDetail: checkedDetail,
    signed,
  });
}
