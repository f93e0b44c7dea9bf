/**
 * Every romctl check code the knowledge base names as "romctl prevents this with". Kept in one list so the
 * check layer (or a test) can verify each one is emitted by some rule.
 */
export const PREVENTING_RULES = [
  'preloader.emi-no-match',
  'preloader.no-bloader-info',
  'preloader.chip-mismatch',
  'preloader.invalid-gfh',
  'package.platform-mismatch',
  'device.layout-changed',
  'device.storage-mismatch',
  'device.chip-mismatch',
  'device.preloader-project',
  'preloader.emi-undecided',
  'security.auth-needed',
  'security.da-signature',
  'da.protocol-unsupported',
  'scatter.overlap',
  'scatter.unordered',
  'scatter.misaligned',
  'image.too-large',
  'image.sparse-invalid',
  'checksum.mismatch',
  'file.missing',
  'data.erases-protected',
] as const;

export type PreventingRule = (typeof PREVENTING_RULES)[number];
