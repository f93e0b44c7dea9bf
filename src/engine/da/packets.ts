import { ExitCode, RomctlError } from '../../errors.js';
import { ByteSum16 } from '../../formats/checksum-ini.js';

/**
 * 16-bit sum of all bytes: the XFlash per-packet (USB) checksum and the legacy DA packet checksum — the same sum
 * as Checksum.ini's, so the same word-at-a-time accumulator serves (it runs on every packet, on both sides).
 */
export function sum16(bytes: Uint8Array): number {
  const sum = new ByteSum16();
  sum.push(bytes);
  return sum.value;
}

async function* asIterable(source: Uint8Array | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) yield source;
  else yield* source;
}

/**
 * Cuts a byte stream into packets of exactly `size` bytes (the last one shorter), copying only where an input
 * piece straddles a packet boundary. The stream must hold exactly `length` bytes.
 */
export async function* packets(
  source: Uint8Array | AsyncIterable<Uint8Array>,
  length: bigint,
  size: number,
  where: string,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array | null = null;
  let filled = 0;
  let total = 0n;
  for await (const piece of asIterable(source)) {
    total += BigInt(piece.length);
    if (total > length) throw sizeError(`the data is longer than the ${length} bytes announced`, where);
    let at = 0;
    while (at < piece.length) {
      if (pending === null && piece.length - at >= size) {
        yield piece.subarray(at, at + size);
        at += size;
        continue;
      }
      pending ??= new Uint8Array(size);
      const take = Math.min(size - filled, piece.length - at);
      pending.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === size) {
        yield pending;
        pending = null;
        filled = 0;
      }
    }
  }
  if (total !== length) throw sizeError(`the data ended after ${total} of ${length} bytes`, where);
  if (pending !== null) yield pending.subarray(0, filled);
}

function sizeError(message: string, where: string): RomctlError {
  return new RomctlError(message, {
    exitCode: ExitCode.download,
    where,
    hint: 'the image changed while it was being written',
  });
}
