import { TransportError } from './transport/types.js';

/**
 * Runs one step of a session with the phone. A link failure inside it (a timeout, a hang-up) says which step
 * it interrupted, so "no reply" reads "step 5/9 (write system ← system.img): no reply …".
 */
export async function inStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TransportError && !error.message.startsWith(step)) {
      error.message = `${step}: ${error.message}`;
    }
    throw error;
  }
}
