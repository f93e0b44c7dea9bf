import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExitCode, RomctlError } from '../errors.js';
import type { DocumentCheck } from '../registry/index-file.js';
import { INDEX_FILE } from '../registry/location.js';
import type { DeviceDetail, RegistryIndex, SearchEntry } from '../registry/model.js';
import { Registry, type DocumentSource } from '../registry/registry.js';
import { schemaCheck } from '../registry/validate.js';
import { BlobCache } from './cache.js';
import { asSourceError, createAgent, defaultTimeouts, discard, openResponse, statusFailure } from './http.js';
import { backoffDelay, defaultRetryPolicy, sleep } from './backoff.js';
import { describe, downloadError, SourceError } from './source-error.js';
import type { Timeouts } from './types.js';

export interface RemoteRegistryOptions {
  /** the download cache folder; the registry's documents are kept under `registries/` in it */
  cacheDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  timeouts?: Partial<Timeouts>;
  /** attempts after the first for a reset, a stall or a 5xx */
  retries?: number;
}

const MAX_INDEX_BYTES = 32 << 20;
const MAX_DOCUMENT_BYTES = 1 << 20;
const TOKEN = '[A-Za-z0-9][A-Za-z0-9._-]*';
const HASHES = new Set(['sha256', 'md5', 'md5-prefix', 'none']);
const KINDS = new Set(['sp-flash-tool', 'fastboot-scatter', 'fastboot', 'recovery-zip', 'qualcomm-edl']);

/**
 * A registry served as a static tree over HTTP: `index.json`, `index/<codename>.json`,
 * `devices/<codename>.yaml`, `bundles/<codename>/<id>.yaml`. The index is read at once and every document when first needed, each with a
 * size limit and timeouts, checked against the schemas before use, and kept under the cache folder (reused
 * when the server answers 304 to its ETag). Anything wrong is a download/integrity failure (exit 3).
 *
 * Nothing here is signed: a registry URL read this way is only as trustworthy as its server, so openRegistry
 * uses it only with `--insecure-registry`; signed registries are read by signed-registry.ts.
 */
export async function openRemoteRegistry(
  url: string,
  options: RemoteRegistryOptions = {},
): Promise<Registry> {
  const base = registryBase(url);
  const mirror = join(
    BlobCache.at(options.cacheDir, options.env).root,
    'registries',
    createHash('sha256').update(base).digest('hex').slice(0, 16),
  );
  const fetchDocument = (file: string, maxBytes: number) =>
    fetchCached(base, mirror, file, maxBytes, options);
  const index = checkedIndex(parseIndexJson(await fetchDocument(INDEX_FILE, MAX_INDEX_BYTES), base), base);
  const source: DocumentSource = {
    read: (file) => fetchDocument(file, MAX_DOCUMENT_BYTES),
    where: (file) => new URL(file, base).href,
    invalidExit: ExitCode.download,
  };
  return new Registry(base, index, { source, check: async () => remoteCheck, checkDetail: checkedDetail });
}

export function registryBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RomctlError('not a valid registry URL', {
      where: url,
      hint: 'for example https://host/registry/',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RomctlError(`a registry URL must be http or https, not ${parsed.protocol}`, { where: url });
  }
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return parsed.href;
}

/** A remote document that breaks the schema is an integrity failure of that registry, not the user's input. */
export const remoteCheck: DocumentCheck = (kind, value, where) => {
  const problems = schemaCheck(kind, value);
  if (problems.length > 0) {
    throw invalid(`not a valid ${kind} document: ${problems[0]}`, where);
  }
};

function invalid(message: string, where: string): RomctlError {
  return downloadError(`remote registry: ${message}`, {
    where,
    hint: 'the registry server publishes a broken tree; tell its maintainer, or use another --registry',
  });
}

export function parseIndexJson(text: string, base: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(`${INDEX_FILE} is not JSON: ${(error as Error).message}`, new URL(INDEX_FILE, base).href);
  }
}

/** The slim index as the Registry needs it: well-formed entries whose paths stay in the tree. */
export function checkedIndex(value: unknown, base: string): RegistryIndex {
  const where = new URL(INDEX_FILE, base).href;
  const fail = (message: string) => invalid(`${INDEX_FILE}: ${message}`, where);
  const index = value as Partial<RegistryIndex> | null;
  if (index === null || typeof index !== 'object' || index.version !== 2 || !Array.isArray(index.devices)) {
    throw fail('not a version 2 registry index');
  }
  index.devices.forEach((device: unknown, i) => {
    const problem = searchEntryProblem(device);
    if (problem !== undefined) throw fail(`devices[${i}]: ${problem}`);
  });
  return index as RegistryIndex;
}

function searchEntryProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'not an object';
  const device = value as Partial<SearchEntry>;
  const codename = device.codename;
  if (typeof codename !== 'string' || !new RegExp(`^${TOKEN}$`).test(codename)) return 'bad codename';
  if (typeof device.file !== 'string' || !new RegExp(`^devices/${TOKEN}\\.ya?ml$`).test(device.file)) {
    return `${codename}: bad file`;
  }
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (
    !strings(device.aliases) ||
    !strings(device.names) ||
    !(device.lookAlikes === undefined || strings(device.lookAlikes))
  )
    return `${codename}: aliases, names and look-alikes must be lists`;
  const orNull = (item: unknown) => item === null || typeof item === 'string';
  if (
    !orNull(device.vendor) ||
    !orNull(device.chip) ||
    !orNull(device.hwCode) ||
    typeof device.platform !== 'string'
  ) {
    return `${codename}: vendor, platform, chip and hw code must be text`;
  }
  return undefined;
}

/** A device's detail (index/<codename>.json) as the Registry needs it: the profile passes the device schema. */
export const checkedDetail = (entry: SearchEntry, value: unknown, where: string): DeviceDetail => {
  const problem = detailProblem(entry.codename, value);
  if (problem !== undefined) throw invalid(`${entry.codename}: ${problem}`, where);
  return value as DeviceDetail;
};

function detailProblem(codename: string, value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'not an object';
  const detail = value as Partial<DeviceDetail>;
  const profileProblem = schemaCheck('device', detail.profile)[0];
  if (profileProblem !== undefined) return `profile ${profileProblem}`;
  if (detail.profile?.codename !== codename) return 'the profile is for another codename';
  if (!Array.isArray(detail.bundles)) return 'bundles must be a list';
  const bundleFile = new RegExp(`^bundles/${codename.replace(/\./g, '\\.')}/${TOKEN}\\.ya?ml$`);
  for (const bundle of detail.bundles as unknown[]) {
    const entry = (bundle ?? {}) as Record<string, unknown>;
    const ok =
      typeof entry.id === 'string' &&
      typeof entry.file === 'string' &&
      bundleFile.test(entry.file) &&
      typeof entry.version === 'string' &&
      typeof entry.kind === 'string' &&
      KINDS.has(entry.kind) &&
      typeof entry.content === 'boolean' &&
      HASHES.has(entry.hashes as string) &&
      ['region', 'branch', 'date'].every((key) => entry[key] === null || typeof entry[key] === 'string');
    if (!ok) return `bad bundle entry ${JSON.stringify(entry.id ?? null)}`;
  }
  return undefined;
}

/**
 * One document of the tree: downloaded with a size limit (retried on resets, stalls and 5xx), or the kept copy
 * when the server says it has not changed. The copy is replaced atomically.
 */
async function fetchCached(
  base: string,
  mirror: string,
  file: string,
  maxBytes: number,
  options: RemoteRegistryOptions,
): Promise<string> {
  const url = new URL(file, base).href;
  const kept = join(mirror, file);
  const keptText = await readFile(kept, 'utf8').catch(() => undefined);
  const etag =
    keptText === undefined ? undefined : await readFile(`${kept}.etag`, 'utf8').catch(() => undefined);
  const answer = await download(url, maxBytes, etag || undefined, options);
  if (answer === 'not-modified') return keptText as string;
  await mkdir(dirname(kept), { recursive: true });
  const temporary = `${kept}.${process.pid}-${randomUUID()}.tmp`;
  await writeFile(temporary, answer.text);
  await rename(temporary, kept);
  await writeFile(`${kept}.etag`, answer.etag ?? '');
  return answer.text;
}

async function download(
  url: string,
  maxBytes: number,
  etag: string | undefined,
  options: RemoteRegistryOptions,
): Promise<{ text: string; etag: string | undefined } | 'not-modified'> {
  const dispatcher = createAgent({ ...defaultTimeouts, ...options.timeouts });
  const retries = options.retries ?? 2;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await downloadOnce(url, maxBytes, etag, dispatcher);
      } catch (error) {
        const failure = error instanceof SourceError ? error : undefined;
        if (failure?.failure !== 'retry' || attempt >= retries) {
          throw downloadError(`cannot read the remote registry: ${describe(error)}`, {
            where: url,
            hint: 'check the address and the network, or use the embedded registry (leave out --registry)',
            cause: error,
          });
        }
        await sleep(failure.retryAfterMs ?? backoffDelay(attempt + 1, defaultRetryPolicy));
      }
    }
  } finally {
    await dispatcher.destroy();
  }
}

async function downloadOnce(
  url: string,
  maxBytes: number,
  etag: string | undefined,
  dispatcher: ReturnType<typeof createAgent>,
): Promise<{ text: string; etag: string | undefined } | 'not-modified'> {
  try {
    const headers: Record<string, string> = etag ? { 'if-none-match': etag } : {};
    const response = await openResponse(url, { dispatcher, headers, maxRedirects: 5 });
    if (response.status === 304 && etag) {
      discard(response);
      return 'not-modified';
    }
    if (response.status !== 200) {
      discard(response);
      throw statusFailure(response);
    }
    const declared = Number(response.header('content-length') ?? NaN);
    if (declared > maxBytes) {
      discard(response);
      throw new SourceError(`larger than ${maxBytes} bytes`, 'give-up');
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of response.body) {
      length += (chunk as Buffer).length;
      if (length > maxBytes) {
        discard(response);
        throw new SourceError(`larger than ${maxBytes} bytes`, 'give-up');
      }
      chunks.push(chunk as Buffer);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), etag: response.header('etag') };
  } catch (error) {
    throw asSourceError(error);
  }
}
