/**
 * The simulated phone's DA server for any generated DA: after JUMP_DA it runs the XFlash or the legacy DA,
 * whichever protocol the uploaded DA1 says it speaks (readSimDaIdentity).
 */
import { readSimDaIdentity } from '../engine/da/container-build.js';
import { faultyLegacyDaServer, legacyDaServer } from './da-legacy.js';
import { faultyXFlashDaServer, xflashDaServer, type SimDaFaults } from './da-xflash.js';
import type { DaServer } from './phone.js';

export const simDaServer: DaServer = (session) =>
  readSimDaIdentity(session.daImage)?.protocol === 'legacy'
    ? legacyDaServer(session)
    : xflashDaServer(session);

/** The same with injected faults (tests). */
export function faultySimDaServer(faults: SimDaFaults): DaServer {
  const legacy = faultyLegacyDaServer(faults);
  const xflash = faultyXFlashDaServer(faults);
  return (session) =>
    readSimDaIdentity(session.daImage)?.protocol === 'legacy' ? legacy(session) : xflash(session);
}
