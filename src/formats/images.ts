/** The image formats a package holds: sparse, boot and MTK headers, ext4, Checksum.ini, and telling them apart. */
export * from './sparse.js';
export * from './image/sparse-build.js';
export * from './image/sparse-expand.js';
export * from './bootimg.js';
export * from './image/mtk-header.js';
export * from './image/ext4.js';
export * from './image-kind.js';
export * from './checksum-ini.js';
