/** Opening, classifying and unpacking ROM packages (folders, zip, tar / tar.gz). */
export { classifyPackage, findScatters, type PackageClassification, type PackageKind } from './classify.js';
export { extractPackage, type ExtractOptions, type ExtractResult } from './extract.js';
export { DiskSpaceGuard, defaultKeepFreeBytes, freeBytes } from './disk-space.js';
export { openPackage } from './open-package.js';
export {
  describeClaimed,
  readPackageIdentity,
  type IdentityClaim,
  type PackageIdentity,
} from './identity.js';
export {
  PackageError,
  defaultPackageLimits,
  type EntryFilter,
  type EntryVisitor,
  type PackageEntry,
  type PackageEntryKind,
  type PackageFormat,
  type PackageLimits,
  type PackageProblem,
  type PackageProblemCode,
  type PackageView,
} from './types.js';
