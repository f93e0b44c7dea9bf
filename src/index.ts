/**
 * romctl as a library: the same parsers, checks, registry, downloads and engine the CLI uses. Each area is a
 * namespace (`romctl.check.checkPackage(...)`); the scatter model, the error type and the exit codes are also
 * exported directly.
 */
export { ExitCode, RomctlError } from './errors.js';
export * from './formats/scatter/index.js';
export * as scatter from './formats/scatter/index.js';
export * as preloader from './formats/preloader/index.js';
export * as images from './formats/images.js';
export * as packages from './package/index.js';
export * as check from './check/index.js';
export * as registry from './registry/index.js';
export * as fetch from './fetch/index.js';
export * as knowledge from './knowledge/index.js';
export * as engine from './engine/index.js';
export * as sim from './sim/index.js';
