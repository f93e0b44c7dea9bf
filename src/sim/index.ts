import { openSerialTransport } from '../engine/transport/serial.js';
import { createPtyPair, type PtyPairNames } from '../engine/transport/pty.js';
import type { SimPhone } from './phone.js';

export { SimPhone, USB_PRODUCT, type DaServer, type SimMode, type SimPhoneOptions } from './phone.js';
export { SimStorage, SIM_REGIONS, type SimRegion } from './storage.js';
export { decideBoot, type BootDecision, type BootMode } from './boot.js';
export { serveBrom, type DaJump } from './brom-server.js';
export {
  listSimProfiles,
  memoryOf,
  resolveSimProfile,
  SIM_SPEC_GRAMMAR,
  storageBlockSize,
  type SimProfile,
  type SimStorageKind,
  type SimStorageLayout,
} from './profiles.js';

export interface PtySim {
  /** open this with the serial transport (romctl --port) to talk to the phone */
  hostPath: string;
  phonePath: string;
  /** settles when the phone stops serving (stop(), a pulled cable, socat gone) */
  served: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Puts a simulated phone behind a socat pty pair; the phone opens its end through the same serial transport a
 * host uses for a real phone. When the phone stops (its cable pulled), socat goes too, so the host's port hangs
 * up as a real one would.
 */
export async function startPtySim(phone: SimPhone, dir: string, names: PtyPairNames = {}): Promise<PtySim> {
  const pair = await createPtyPair(dir, names);
  const transport = await openSerialTransport(pair.phonePath).catch(async (error: unknown) => {
    await pair.close();
    throw error;
  });
  const served = phone.serve(transport).finally(() => pair.close());
  return {
    hostPath: pair.hostPath,
    phonePath: pair.phonePath,
    served,
    async stop() {
      await transport.close();
      await served;
    },
  };
}
