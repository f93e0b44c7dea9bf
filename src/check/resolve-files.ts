import { posix } from 'node:path';
import type { Partition, Scatter } from '../formats/scatter/model.js';
import type { PackageView } from '../package/index.js';
import type { ResolvedFile } from './facts.js';

/** Legacy scatters name no preloader file; packages ship it as `preloader_<project>.bin`. */
const LEGACY_PRELOADER = /^preloader.*\.bin$/i;

/**
 * Maps every downloadable scatter entry to the package file it names, relative to the scatter's folder — the
 * way SP Flash Tool finds images. A name that matches only in letter case is found but flagged.
 */
export function resolveFiles(view: PackageView, scatter: Scatter, scatterPath: string): ResolvedFile[] {
  const folder = posix.dirname(scatterPath) === '.' ? '' : posix.dirname(scatterPath);
  const byLowerPath = new Map<string, string>();
  for (const entry of view.entries()) {
    if (entry.kind !== 'dir') byLowerPath.set(entry.path.toLowerCase(), entry.path);
  }
  const siblings = [...byLowerPath.values()].filter((path) => posix.dirname(path) === (folder || '.'));

  const byLowerName = new Map<string, string>();
  for (const path of byLowerPath.values()) {
    const name = posix.basename(path).toLowerCase();
    if (!byLowerName.has(name)) byLowerName.set(name, path);
  }

  const locate = (partition: Partition): Pick<ResolvedFile, 'path' | 'caseDiffers' | 'elsewhere'> => {
    if (partition.fileName === null) return {};
    const wanted = posix.normalize(posix.join(folder, partition.fileName));
    if (view.resolve(wanted)) return { path: wanted };
    const other = byLowerPath.get(wanted.toLowerCase());
    if (other !== undefined && view.resolve(other)) return { path: other, caseDiffers: true };
    if (partition.fileNameImplied && /^preloader/i.test(partition.name)) {
      const preloader = siblings.find((path) => LEGACY_PRELOADER.test(posix.basename(path)));
      if (preloader !== undefined) return { path: preloader };
    }
    const elsewhere = byLowerName.get(posix.basename(partition.fileName).toLowerCase());
    return elsewhere === undefined ? {} : { elsewhere };
  };

  return scatter.layouts.flatMap((layout) =>
    layout.partitions
      .filter((partition) => partition.isDownload && partition.fileName !== null)
      .map((partition) => ({ partition, layout, ...locate(partition) })),
  );
}

/** The Checksum.ini SP Flash Tool reads: exactly that name, beside the scatter (any letter case on Windows). */
export function findChecksumIni(view: PackageView, scatterPath: string): string | undefined {
  const folder = posix.dirname(scatterPath);
  return view
    .entries()
    .find(
      (entry) =>
        entry.kind !== 'dir' &&
        posix.dirname(entry.path) === folder &&
        posix.basename(entry.path).toLowerCase() === 'checksum.ini',
    )?.path;
}
