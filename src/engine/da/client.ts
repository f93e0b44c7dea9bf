/**
 * What the flash executor needs from a running DA, whatever protocol it speaks (XFlash §4.4, legacy §4.3), and the
 * operations built only on `read`/`write` that every protocol shares.
 */
import { createHash } from 'node:crypto';
import { ExitCode, RomctlError } from '../../errors.js';
import type { MemorySpec } from '../../formats/preloader/index.js';
import { gptEntriesLength, parseGptEntries, parseGptHeader, type GptTable } from './gpt.js';
import { sparseRuns } from './sparse-runs.js';
import type { Section, StorageInfo } from './xflash-info.js';

export interface Progress {
  done: bigint;
  total: bigint;
}
export type ProgressFn = (progress: Progress) => void;

export interface Da2Image {
  bytes: Uint8Array;
  loadAddress: number;
}

/** The memory facts a DA reports before DRAM setup: what the preloader EMI rule is checked against. */
export type MemoryIdentity = Pick<StorageInfo, 'kind' | 'id'>;

/** What the DA told about the memory, in the form the preloader EMI rule (matchMemory) takes. */
export function memorySpecOf(info: MemoryIdentity): MemorySpec {
  return { storage: { kind: info.kind, id: info.id }, dram: null, dramVendorId: null, rankSizes: null };
}

export interface SparseWriteOptions {
  onProgress?: ProgressFn;
  expandedSize?: bigint;
  limit?: bigint;
  name?: string;
}

export interface DaClient {
  readonly where: string;
  /** DRAM had to be set up with the package's EMI records (the boot ROM, not a preloader, loaded the DA) */
  readonly needsDramInit: boolean;
  storageInfo(): Promise<StorageInfo>;
  partitionTable(): Promise<GptTable | null>;
  write(
    section: Section,
    address: bigint,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    length: bigint,
    onProgress?: ProgressFn,
  ): Promise<void>;
  writeSparse(
    section: Section,
    address: bigint,
    source: AsyncIterable<Uint8Array>,
    options?: SparseWriteOptions,
  ): Promise<bigint>;
  read(
    section: Section,
    address: bigint,
    length: bigint,
    onProgress?: ProgressFn,
  ): AsyncGenerator<Uint8Array>;
  readAll(section: Section, address: bigint, length: bigint): Promise<Uint8Array>;
  sha256(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<string>;
  format(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<void>;
  shutdown(bootMode?: 'normal' | 'home' | 'fastboot'): Promise<void>;
  /**
   * Asks the DA to check what it writes on the phone, packet by packet, with what the protocol carries; resolves
   * with what it checks, or null (or the method is absent) when it cannot, and writes must be read back.
   */
  checkWritesOnPhone?(): Promise<string | null>;
}

type Reader = Pick<DaClient, 'read' | 'where'>;

/** A small range in one buffer (partition tables, headers). */
export async function readAllWith(
  client: Reader,
  section: Section,
  address: bigint,
  length: bigint,
): Promise<Uint8Array> {
  if (length > 256n * 1024n * 1024n)
    throw rangeError('readAll is for small ranges; stream with read()', client.where);
  const out = new Uint8Array(Number(length));
  let at = 0;
  for await (const piece of client.read(section, address, length)) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** SHA-256 of a range as the phone holds it, by reading it back: the verify step after a write. */
export async function sha256With(
  client: Reader,
  section: Section,
  address: bigint,
  length: bigint,
  onProgress?: ProgressFn,
): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of client.read(section, address, length, onProgress)) hash.update(piece);
  return hash.digest('hex');
}

/**
 * Writes an Android sparse image expanded: RAW and FILL data are written, DONT_CARE holes are skipped.
 * Adjacent extents are merged into one write of up to 8 MiB. Returns the expanded size.
 */
export async function writeSparseWith(
  client: Pick<DaClient, 'write' | 'where'>,
  section: Section,
  address: bigint,
  source: AsyncIterable<Uint8Array>,
  options: SparseWriteOptions = {},
): Promise<bigint> {
  let written = 0n;
  const summary = await sparseRuns(source, options.name, async (offset, bytes) => {
    const end = offset + BigInt(bytes.length);
    if (options.limit !== undefined && end > options.limit) {
      throw rangeError(
        `the expanded image reaches 0x${end.toString(16)}, past the partition size`,
        client.where,
      );
    }
    await client.write(section, address + offset, bytes, BigInt(bytes.length));
    written = end;
    options.onProgress?.({ done: written, total: options.expandedSize ?? written });
  });
  const expanded = BigInt(summary.totalBlocks) * BigInt(summary.blockSize);
  // the holes after the last data run are done too: nothing is written to them
  options.onProgress?.({ done: expanded, total: options.expandedSize ?? expanded });
  return expanded;
}

/** GPT from the user area (header at LBA 1, then its entry array); null on a device without one. */
export async function readGptWith(
  client: Pick<DaClient, 'readAll' | 'where'>,
  blockSize: number,
): Promise<GptTable | null> {
  const header = parseGptHeader(
    await client.readAll('user', BigInt(blockSize), BigInt(blockSize)),
    blockSize,
    client.where,
  );
  if (!header) return null;
  const length = BigInt(Math.ceil(gptEntriesLength(header) / blockSize) * blockSize);
  const entries = await client.readAll('user', header.entriesLba * BigInt(blockSize), length);
  return parseGptEntries(header, entries, client.where);
}

const SECTOR_BYTES = 512n;

/** a length rounded up to whole 512-byte sectors: what every DA writes */
export function roundUpToSector(length: bigint): bigint {
  return ((length + SECTOR_BYTES - 1n) / SECTOR_BYTES) * SECTOR_BYTES;
}

/** a write must start on a sector boundary; the range is named in the error */
export function requireSectorAligned(address: bigint, where: string): void {
  if (address % SECTOR_BYTES !== 0n)
    throw rangeError(`write address is not ${SECTOR_BYTES}-byte aligned`, where);
}

/** a two-stage DA asked for a step of the other stage: a bug in the caller */
export function stageError(stage: 1 | 2, what: string, where: string): RomctlError {
  return new RomctlError(
    stage === 2 ? `${what} needs DA2: run bootTo first` : `${what} is a DA1 step and DA2 already runs`,
    { exitCode: ExitCode.internal, where },
  );
}

export function rangeError(message: string, where: string): RomctlError {
  return new RomctlError(message, { exitCode: ExitCode.internal, where });
}
