/** The GUID partition table as a DA reads it from the user area: header at LBA 1, then the entry array. */
import { crc32 } from 'node:zlib';
import { ExitCode, RomctlError } from '../../errors.js';

export const GPT_SIGNATURE = 'EFI PART';
export const GPT_HEADER_SIZE = 92;
const MAX_ENTRIES = 1024;

export interface GptHeader {
  blockSize: number;
  currentLba: bigint;
  backupLba: bigint;
  firstUsableLba: bigint;
  lastUsableLba: bigint;
  diskGuid: string;
  entriesLba: bigint;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
}

export interface GptPartition {
  index: number;
  name: string;
  typeGuid: string;
  uniqueGuid: string;
  firstLba: bigint;
  lastLba: bigint;
  /** byte offset and size in the user area */
  start: bigint;
  size: bigint;
  attributes: bigint;
}

export interface GptTable {
  header: GptHeader;
  partitions: GptPartition[];
}

function gptError(message: string, where: string): RomctlError {
  return new RomctlError(message, {
    exitCode: ExitCode.device,
    where,
    hint: 'the phone has no usable partition table: use Format All + Download with the right scatter (ERROR_PMT_UNAVAILABLE)',
  });
}

/** mixed-endian GUID text, as tools print it */
export function guidText(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  const swap = (s: string) => s.match(/../g)!.reverse().join('');
  return `${swap(h.slice(0, 8))}-${swap(h.slice(8, 12))}-${swap(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The header sector (LBA 1); null when it carries no GPT signature (an erased or new device). */
export function parseGptHeader(sector: Uint8Array, blockSize: number, where: string): GptHeader | null {
  if (
    sector.length < GPT_HEADER_SIZE ||
    Buffer.from(sector.subarray(0, 8)).toString('latin1') !== GPT_SIGNATURE
  ) {
    return null;
  }
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  const headerSize = view.getUint32(12, true);
  if (headerSize < GPT_HEADER_SIZE || headerSize > sector.length)
    throw gptError(`GPT header size ${headerSize}`, where);
  const copy = Uint8Array.from(sector.subarray(0, headerSize));
  copy.fill(0, 16, 20);
  if (crc32(copy) !== view.getUint32(16, true)) throw gptError('GPT header CRC does not match', where);
  const header: GptHeader = {
    blockSize,
    currentLba: view.getBigUint64(24, true),
    backupLba: view.getBigUint64(32, true),
    firstUsableLba: view.getBigUint64(40, true),
    lastUsableLba: view.getBigUint64(48, true),
    diskGuid: guidText(sector.subarray(56, 72)),
    entriesLba: view.getBigUint64(72, true),
    entryCount: view.getUint32(80, true),
    entrySize: view.getUint32(84, true),
    entriesCrc: view.getUint32(88, true),
  };
  if (
    header.entryCount > MAX_ENTRIES ||
    header.entrySize < 128 ||
    header.entrySize % 8 !== 0 ||
    header.entrySize > 4096
  ) {
    throw gptError(`GPT declares ${header.entryCount} entries of ${header.entrySize} bytes`, where);
  }
  return header;
}

export function gptEntriesLength(header: GptHeader): number {
  return header.entryCount * header.entrySize;
}

export function parseGptEntries(header: GptHeader, bytes: Uint8Array, where: string): GptTable {
  const length = gptEntriesLength(header);
  if (bytes.length < length)
    throw gptError(`GPT entry array is ${bytes.length} bytes, ${length} expected`, where);
  const entries = bytes.subarray(0, length);
  if (crc32(entries) !== header.entriesCrc) throw gptError('GPT entry array CRC does not match', where);
  const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  const size = BigInt(header.blockSize);
  const partitions: GptPartition[] = [];
  for (let index = 0; index < header.entryCount; index++) {
    const at = index * header.entrySize;
    const type = entries.subarray(at, at + 16);
    if (type.every((b) => b === 0)) continue;
    const firstLba = view.getBigUint64(at + 32, true);
    const lastLba = view.getBigUint64(at + 40, true);
    if (lastLba < firstLba) throw gptError(`GPT entry ${index} ends before it starts`, where);
    const nameBytes = entries.subarray(at + 56, at + Math.min(header.entrySize, 128));
    partitions.push({
      index,
      name: Buffer.from(nameBytes).toString('utf16le').replace(/\0.*$/s, ''),
      typeGuid: guidText(type),
      uniqueGuid: guidText(entries.subarray(at + 16, at + 32)),
      firstLba,
      lastLba,
      start: firstLba * size,
      size: (lastLba - firstLba + 1n) * size,
      attributes: view.getBigUint64(at + 48, true),
    });
  }
  return { header, partitions };
}
