import type { SparseSummary } from '../../formats/sparse.js';
import { sparseExtents } from '../../formats/image/sparse-expand.js';

/** the largest run handed to one write; a multiple of 512 */
export const SPARSE_RUN_BYTES = 8 * 1024 * 1024;

/**
 * Expands a sparse image into runs of adjacent data (RAW and FILL; DONT_CARE holes end a run), each at most
 * SPARSE_RUN_BYTES, and hands every run to `flush` in order. Resolves to the sparse summary once every flush has.
 * Two buffers take turns: the next run is read and expanded while `flush` still writes the one before (flushes
 * never overlap each other, and a buffer is refilled only after its flush has finished).
 */
export async function sparseRuns(
  source: AsyncIterable<Uint8Array>,
  name: string | undefined,
  flush: (offset: bigint, bytes: Uint8Array) => Promise<void>,
): Promise<SparseSummary> {
  const buffers = [new Uint8Array(SPARSE_RUN_BYTES), new Uint8Array(SPARSE_RUN_BYTES)];
  let buffer = buffers[0] as Uint8Array;
  let flushing: Promise<void> = Promise.resolve();
  let start = 0n;
  let filled = 0;
  const emit = async () => {
    if (filled > 0) {
      const run = buffer.subarray(0, filled);
      const at = start;
      await flushing;
      flushing = flush(at, run);
      // a failure shows at the next emit or at the end; until then it must not count as unhandled
      flushing.catch(() => undefined);
      buffer = buffer === buffers[0] ? (buffers[1] as Uint8Array) : (buffers[0] as Uint8Array);
    }
    start += BigInt(filled);
    filled = 0;
  };
  const extents = sparseExtents(source, name);
  try {
    for (;;) {
      const next = await extents.next();
      if (next.done) {
        await emit();
        await flushing;
        return next.value;
      }
      const extent = next.value;
      if (!('bytes' in extent)) {
        await emit();
        continue;
      }
      if (extent.offset !== start + BigInt(filled)) {
        await emit();
        start = extent.offset;
      }
      let at = 0;
      while (at < extent.bytes.length) {
        const take = Math.min(buffer.length - filled, extent.bytes.length - at);
        buffer.set(extent.bytes.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === buffer.length) await emit();
      }
    }
  } catch (error) {
    // nothing goes on writing behind the caller's back once it has its error
    await flushing.catch(() => undefined);
    throw error;
  }
}
