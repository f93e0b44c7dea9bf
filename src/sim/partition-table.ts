/**
 * The simulated phone's own partition table: any layout can be written to its user area before a run, e.g. the
 * package's layout shifted by 4 MiB, so a flash meets a phone whose partitions are not where the package says.
 */
import { buildGpt } from '../engine/da/gpt-build.js';
import type { SimStorage } from './storage.js';

export interface SimPartition {
  name: string;
  start: bigint;
  size: bigint;
}

/** Writes a primary GPT listing `partitions` at the start of the user area, in LBAs of `blockSize` bytes. */
export async function writeSimPartitionTable(
  storage: SimStorage,
  partitions: readonly SimPartition[],
  blockSize: number,
): Promise<void> {
  await storage.write('user', 0, buildGpt({ blockSize, diskSize: BigInt(storage.size('user')), partitions }));
}

/** The same partitions, each `by` bytes further into the user area (an older or newer revision's layout). */
export function shiftedLayout(partitions: readonly SimPartition[], by: bigint): SimPartition[] {
  return partitions.map((p) => ({ ...p, start: p.start + by }));
}
