/** Writes a primary GPT (protective MBR, header, entries) for tests and the simulated phone's storage. */
import { crc32 } from 'node:zlib';
import { ExitCode, RomctlError } from '../../errors.js';

export interface BuildGptOptions {
  blockSize?: number;
  /** size of the user area in bytes */
  diskSize: bigint;
  partitions: ReadonlyArray<{ name: string; start: bigint; size: bigint }>;
}

const ENTRY_SIZE = 128;
const ENTRY_COUNT = 128;
/** "Microsoft basic data", as MediaTek GPTs mark most partitions */
const BASIC_DATA = Buffer.from('a2a0d0ebe5b9334487c068b6b72699c7', 'hex');

/** Bytes for LBA 0 up to the end of the entry array, to be written at offset 0 of the user area. */
export function buildGpt(options: BuildGptOptions): Uint8Array {
  const block = options.blockSize ?? 512;
  const bs = BigInt(block);
  const entriesBytes = ENTRY_SIZE * ENTRY_COUNT;
  const firstUsable = 2n + BigInt(Math.ceil(entriesBytes / block));
  const out = new Uint8Array(Number(firstUsable) * block);
  const view = new DataView(out.buffer);
  out[block - 2] = 0x55;
  out[block - 1] = 0xaa;
  out[446 + 4] = 0xee;
  if (options.partitions.length > ENTRY_COUNT) throw buildError(`more than ${ENTRY_COUNT} partitions`);
  options.partitions.forEach((p, i) => {
    if (p.start % bs !== 0n || p.size % bs !== 0n || p.size <= 0n || p.start < firstUsable * bs) {
      throw buildError(`partition ${p.name} is not block aligned or overlaps the table`);
    }
    const at = 2 * block + i * ENTRY_SIZE;
    out.set(BASIC_DATA, at);
    view.setUint32(at + 16, i + 1, true);
    view.setBigUint64(at + 32, p.start / bs, true);
    view.setBigUint64(at + 40, (p.start + p.size) / bs - 1n, true);
    out.set(Buffer.from(p.name.slice(0, 36), 'utf16le'), at + 56);
  });
  const h = block;
  out.set(Buffer.from('EFI PART', 'latin1'), h);
  view.setUint32(h + 8, 0x00010000, true);
  view.setUint32(h + 12, 92, true);
  view.setBigUint64(h + 24, 1n, true);
  view.setBigUint64(h + 32, options.diskSize / bs - 1n, true);
  view.setBigUint64(h + 40, firstUsable, true);
  view.setBigUint64(h + 48, options.diskSize / bs - firstUsable, true);
  view.setUint32(h + 56, 0x726f6d63, true);
  view.setBigUint64(h + 72, 2n, true);
  view.setUint32(h + 80, ENTRY_COUNT, true);
  view.setUint32(h + 84, ENTRY_SIZE, true);
  view.setUint32(h + 88, crc32(out.subarray(2 * block, 2 * block + entriesBytes)), true);
  view.setUint32(h + 16, crc32(out.subarray(h, h + 92)), true);
  return out;
}

function buildError(message: string): RomctlError {
  return new RomctlError(`buildGpt: ${message}`, { exitCode: ExitCode.internal });
}
