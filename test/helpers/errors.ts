import { RomctlError } from '../../src/errors.js';

/** The RomctlError a call throws; any other outcome fails the test. */
export function errorOf(run: () => unknown): RomctlError {
  try {
    run();
  } catch (error) {
    if (error instanceof RomctlError) return error;
    throw error;
  }
  throw new Error('expected a RomctlError');
}

/** Runs a decoder on fuzzed input: a result or a RomctlError are fine, anything else fails the test. */
export function cleanly(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
  }
}
