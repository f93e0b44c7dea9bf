export { parsePreloader, type ParsePreloaderOptions } from './parse.js';
export { matchMemory } from './match.js';
export {
  parseMemorySpec,
  describeMemory,
  describeRecord,
  describeRanks,
  decodeEmmcCid,
  emmcManufacturer,
  dramVendorName,
  formatSize,
  MEMORY_SPEC_GRAMMAR,
} from './memory.js';
export {
  buildPreloader,
  buildBloaderBlock,
  wrapInBootArea,
  type BuildPreloaderOptions,
  type BuildEmiRecord,
} from './build.js';
export { knownBloaderVersions } from './emi-layouts.js';
export { preloaderProject, projectFromFileName } from './bloader.js';
export type * from './types.js';
