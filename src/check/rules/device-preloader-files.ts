import { RomctlError } from '../../errors.js';
import { parsePreloader, type PreloaderInfo } from '../../formats/preloader/index.js';
import type { PackageFacts } from '../facts.js';

/** A preloader the package would write, parsed once for all device rules. */
export interface PackagePreloader {
  path: string;
  partition: string;
  info?: PreloaderInfo;
  /** why it could not be parsed */
  error?: string;
}

const parsed = new WeakMap<PackageFacts, PackagePreloader[]>();

/** The package's preloader images (those the collector kept whole), parsed; cached per facts object. */
export function packagePreloaders(facts: PackageFacts): PackagePreloader[] {
  const cached = parsed.get(facts);
  if (cached) return cached;
  const seen = new Set<string>();
  const result: PackagePreloader[] = [];
  for (const { partition, path } of facts.files) {
    const bytes = path === undefined ? undefined : facts.images.get(path)?.preloaderBytes;
    if (path === undefined || bytes === undefined || seen.has(path)) continue;
    seen.add(path);
    try {
      result.push({ path, partition: partition.name, info: parsePreloader(bytes, { fileName: path }) });
    } catch (error) {
      if (!(error instanceof RomctlError)) throw error;
      result.push({ path, partition: partition.name, error: error.message });
    }
  }
  parsed.set(facts, result);
  return result;
}

/** `preloader_<project>.bin` → project, as the EMI block or the GFH names it. */
export function preloaderProject(preloader: PackagePreloader): string | null {
  const info = preloader.info;
  if (!info) return null;
  if (info.bloader?.project) return info.bloader.project;
  const name = info.gfh?.fileInfo.name ?? '';
  return /^preloader_(.+?)(\.bin)?$/i.exec(name)?.[1] ?? null;
}
