/** romctl as a library: the same parsers, checks and engine the CLI uses. */
export { ExitCode, RomctlError } from './errors.js';
export * from './formats/scatter/index.js';
