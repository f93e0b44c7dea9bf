/**
 * Deterministic image content for generated packages: a seeded pseudo-random 1 MiB pattern, varied per block so
 * no two blocks of a file are equal (hashes and byte sums are not trivial), produced without per-byte work.
 */
export const BLOCK = 1024 * 1024;

function pattern(seed: number): Uint8Array {
  const out = new Uint8Array(BLOCK);
  const words = new Uint32Array(out.buffer);
  let x = (seed * 2654435761) >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return out;
}

const patterns = new Map<number, Uint8Array>();

/** The bytes of a `size`-byte image made from `seed`, in chunks of at most 1 MiB (each chunk a fresh buffer). */
export function* pseudoRandomChunks(size: number, seed: number): Generator<Uint8Array> {
  let base = patterns.get(seed);
  if (!base) {
    base = pattern(seed);
    patterns.set(seed, base);
  }
  for (let offset = 0, block = 0; offset < size; offset += BLOCK, block++) {
    const chunk = base.slice(0, Math.min(BLOCK, size - offset));
    new DataView(chunk.buffer).setUint32(0, block ^ seed, true);
    yield chunk;
  }
}

export function pseudoRandomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of pseudoRandomChunks(size, seed)) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
