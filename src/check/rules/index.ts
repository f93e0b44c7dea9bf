import type { Rule } from '../rule.js';
import { checksumRule } from './checksum.js';
import { dataSafetyRule } from './data-safety.js';
import { filesPresentRule } from './files-present.js';
import { imageSizeRule } from './image-size.js';
import { imageTypeRule } from './image-type.js';
import { packageKindRule } from './package-kind.js';
import { preloaderRule } from './preloader.js';
import { preloaderMemoryRule } from './preloader-memory.js';
import { scatterLayoutRule } from './scatter-layout.js';
import { scatterStorageRule } from './scatter-storage.js';

/** The package-level rules, in the order their findings read best. Device rules join when a device is named. */
export const PACKAGE_RULES: readonly Rule[] = [
  packageKindRule,
  scatterLayoutRule,
  scatterStorageRule,
  filesPresentRule,
  imageSizeRule,
  imageTypeRule,
  checksumRule,
  preloaderRule,
  preloaderMemoryRule,
  dataSafetyRule,
];
