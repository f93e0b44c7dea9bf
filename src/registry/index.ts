/** The device registry: profiles, bundles, search, lint (DESIGN §3, §5). */
export { chipsOfHwCode, formatHwCode, hwCodeOfChip, parseHwCode } from './chips.js';
export { matchingBundles, resolveBundle, type BundleQuery } from './bundles.js';
export { deviceLabel, toDeviceFacts, variantMemory, withVendor } from './device-facts.js';
export { layoutsFromScatter, variantsFromBloader } from './file-facts.js';
export { buildIndex, indexFiles, indexText, INDEX_FILE, writeIndexFiles } from './index-file.js';
export { lintRegistry, type LintProblem } from './lint.js';
export { embeddedRegistryDir, registryLocation } from './location.js';
export type * from './model.js';
export { openRegistry, Registry, type OpenRegistryOptions } from './registry.js';
export { deviceFactsFor, requireDevice, requireMtkDevice } from './resolve-device.js';
export { searchDevices, suggestCodenames, type SearchHit } from './search.js';
export { toYamlText } from './yaml-text.js';
