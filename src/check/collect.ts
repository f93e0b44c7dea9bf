import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { ExitCode, RomctlError } from '../errors.js';
import { parseChecksumIni } from '../formats/checksum-ini.js';
import { parseScatter } from '../formats/scatter/index.js';
import { classifyPackage, openPackage, readPackageIdentity, type PackageView } from '../package/index.js';
import type {
  ChecksumFacts,
  ImageFacts,
  MemoryTarget,
  PackageFacts,
  PlanMode,
  ResolvedFile,
} from './facts.js';
import { readPreloaderFacts } from './preloader-facts.js';
import { digestStream } from './image-digest.js';
import { findChecksumIni, resolveFiles } from './resolve-files.js';

export interface CollectOptions {
  mode?: PlanMode;
  /** memories the preloader must cover (`--memory`, device variants, the connected phone) */
  memories?: MemoryTarget[];
  /** canonical names of partitions a verified backup exists for */
  verifiedBackup?: Iterable<string>;
  /** hears the reading of the images: the list first, then bytes as they are read */
  onRead?: (event: ReadEvent) => void;
}

export type ReadEvent =
  | { type: 'files'; files: { path: string; size: number }[] }
  | { type: 'bytes'; path: string; bytes: number; size: number }
  | { type: 'done'; path: string };

/** A scatter or Checksum.ini larger than this is not one. */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;

async function readSmall(stream: Readable, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += (chunk as Buffer).length;
    if (length > MAX_TEXT_BYTES) {
      stream.destroy();
      throw new RomctlError('too large for a scatter or Checksum.ini file', { where });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The scatter's own word decides; legacy scatters have no types, so there the name does. */
function isPreloaderEntry({ partition }: ResolvedFile): boolean {
  if (partition.type !== null) return partition.type.toUpperCase() === 'SV5_BL_BIN';
  return /^preloader$/i.test(partition.name);
}

/**
 * Opens a package and gathers the facts the rules judge, reading every image exactly once (DESIGN §4): the
 * scatter, the files it names, their digests, and Checksum.ini.
 */
export async function collectFacts(path: string, options: CollectOptions = {}): Promise<PackageFacts> {
  const view = await openPackage(path);
  try {
    return await collectFromView(view, options);
  } finally {
    await view.close();
  }
}

export async function collectFromView(
  view: PackageView,
  options: CollectOptions = {},
): Promise<PackageFacts> {
  const classification = classifyPackage(view);
  const facts: PackageFacts = {
    path: view.source,
    kind: classification.kind,
    evidence: classification.evidence,
    problems: view.problems.map(({ code, severity, message, entry }) => ({
      code,
      severity,
      message,
      ...(entry === undefined ? {} : { entry }),
    })),
    files: [],
    images: new Map(),
    preloaders: new Map(),
    memories: options.memories ?? [],
    mode: options.mode ?? 'download',
    verifiedBackup: new Set(options.verifiedBackup ?? []),
    identity: await readPackageIdentity(view),
  };
  const scatterPath = classification.scatterPath;
  if (classification.kind !== 'mtk-scatter' || scatterPath === undefined) return facts;

  const scatterWhere = `${view.source}!${scatterPath}`;
  const scatterText = await readSmall(await view.open(scatterPath), scatterWhere);
  const model = parseScatter(scatterText, { fileName: scatterPath });
  if (model.format === 'ota') {
    throw new RomctlError(
      'this is an OTA partition list (ota_scatter/update_scatter), not a download scatter',
      {
        where: scatterWhere,
        exitCode: ExitCode.badInput,
        hint: 'check the package that contains it, or its MTxxxx_Android_scatter.txt',
      },
    );
  }
  facts.scatter = { path: scatterPath, model };
  facts.files = resolveFiles(view, model, scatterPath);

  const preloaders = new Set(facts.files.filter(isPreloaderEntry).flatMap(({ path }) => path ?? []));
  const wanted = new Set([...facts.files.flatMap(({ path }) => path ?? [])]);
  const checksumPath = findChecksumIni(view, scatterPath);
  const onRead = options.onRead;
  if (onRead) {
    const files = view.entries().filter((entry) => wanted.has(entry.path) && entry.kind === 'file');
    onRead({ type: 'files', files: files.map(({ path, size }) => ({ path, size })) });
  }

  await view.forEach(
    async (entry, stream) => {
      if (entry.path === checksumPath) {
        facts.checksum = checksumFacts(
          checksumPath,
          await readSmall(stream, `${view.source}!${checksumPath}`),
        );
      } else {
        const heard =
          onRead && ((bytes: number) => onRead({ type: 'bytes', path: entry.path, bytes, size: entry.size }));
        const image: ImageFacts = await digestStream(entry.path, stream, preloaders.has(entry.path), heard);
        facts.images.set(entry.path, image);
        onRead?.({ type: 'done', path: entry.path });
      }
    },
    (entry) => wanted.has(entry.path) || entry.path === checksumPath,
  );
  for (const path of preloaders) {
    const image = facts.images.get(path);
    if (image && !image.readError) {
      facts.preloaders.set(path, readPreloaderFacts(path, image.size, image.preloaderBytes));
    }
  }
  return facts;
}

function checksumFacts(path: string, bytes: Buffer): ChecksumFacts {
  const ini = parseChecksumIni(bytes, posix.basename(path));
  const sums = new Map<string, number>();
  for (const entry of ini.entries) if (entry.value !== null) sums.set(entry.name, entry.value);
  return { path, enabled: ini.enabled, sums, warnings: ini.warnings };
}
