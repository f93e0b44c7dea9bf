/**
 * The simulated phone's DA server for any generated DA: after JUMP_DA it runs the XML, XFlash or legacy DA,
 * whichever protocol the uploaded DA1 says it speaks (readSimDaIdentity).
 */
import { readSimDaIdentity, type SimDaProtocol } from '../engine/da/container-build.js';
import { faultyLegacyDaServer, legacyDaServer } from './da-legacy.js';
import { faultyXFlashDaServer, xflashDaServer, type SimDaFaults } from './da-xflash.js';
import { faultyXmlDaServer, xmlDaServer } from './da-xml.js';
import type { DaServer } from './phone.js';

function byProtocol(servers: Record<SimDaProtocol, DaServer>): DaServer {
  return (session) => servers[readSimDaIdentity(session.daImage)?.protocol ?? 'xflash'](session);
}

export const simDaServer: DaServer = byProtocol({
  legacy: legacyDaServer,
  xflash: xflashDaServer,
  xml: xmlDaServer,
});

/** The same with injected faults (tests). */
export function faultySimDaServer(faults: SimDaFaults): DaServer {
  return byProtocol({
    legacy: faultyLegacyDaServer(faults),
    xflash: faultyXFlashDaServer(faults),
    xml: faultyXmlDaServer(faults),
  });
}
