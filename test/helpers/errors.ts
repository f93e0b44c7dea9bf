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
