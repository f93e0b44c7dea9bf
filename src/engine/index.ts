/** The protocol engine: transports, the BROM client, Download Agent containers and the XFlash client. */
export * from './transport/index.js';
export * from './brom.js';
export * from './detect.js';
export * from './da/container.js';
export * from './da/container-build.js';
export * from './da/xflash.js';
export * from './plan.js';
export * from './executor.js';
export * from './backup.js';
export * from './da/legacy.js';
export type { DaClient } from './da/client.js';
