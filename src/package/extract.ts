import { createWriteStream } from 'node:fs';
import { constants, copyFile, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RomctlError } from '../errors.js';
import { DiskSpaceGuard, defaultKeepFreeBytes } from './disk-space.js';
import { PackageError, defaultPackageLimits, type PackageLimits, type PackageView } from './types.js';

export interface ExtractOptions extends Partial<PackageLimits> {
  /** what the package should unpack to (a bundle declares it): more, declared or written, is refused */
  expectedBytes?: number;
  /** free space that must remain on the destination's disk, before and during extraction */
  keepFreeBytes?: number;
}

export interface ExtractResult {
  destination: string;
  files: number;
  bytes: number;
  /** links to folders, which are not recreated */
  skipped: string[];
}

/**
 * Unpacks a view into `destination`, which must not exist yet. Everything is written to a temporary folder
 * beside it and renamed into place only when complete; on any failure the temporary folder is removed, so no
 * partial package is ever left. A package with any error-level problem (unsafe names, escaping links,
 * duplicates, bombs, damage) is refused whole, and so is one that declares or writes more than expected or
 * than the disk can take while keeping its margin free. Files are created exclusively (never overwriting, never
 * through a link), and links inside the package become copies of the file they point to.
 */
export async function extractPackage(
  view: PackageView,
  destination: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const { expectedBytes, keepFreeBytes = defaultKeepFreeBytes, ...limits } = options;
  const effective = { ...defaultPackageLimits, ...limits };
  if (expectedBytes !== undefined) effective.maxTotalBytes = Math.min(effective.maxTotalBytes, expectedBytes);
  refuseUnsafe(view);
  const declared = declaredOutput(view);
  if (declared > effective.maxTotalBytes) {
    throw new PackageError(
      'package.bomb',
      `the archive declares ${declared} bytes unpacked, more than the ${effective.maxTotalBytes} allowed` +
        (expectedBytes === undefined ? '' : ' (what the bundle declares)'),
      { where: view.source, hint: 'a decompression bomb, or not the package the registry describes' },
    );
  }
  if (await exists(destination)) {
    throw new RomctlError('destination already exists', {
      where: destination,
      hint: 'choose a new folder or remove it',
    });
  }
  const parent = dirname(resolve(destination));
  await mkdir(parent, { recursive: true });
  const disk = await DiskSpaceGuard.start(parent, declared, keepFreeBytes, destination);
  const temporary = await mkdtemp(join(parent, `.${basename(destination)}.partial-`));
  try {
    const result = await writeAll(view, temporary, new OutputBudget(view, effective, disk));
    await rename(temporary, destination);
    return { ...result, destination };
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw asExtractError(error, destination);
  }
}

function refuseUnsafe(view: PackageView): void {
  const errors = view.problems.filter((problem) => problem.severity === 'error');
  const first = errors[0];
  if (first === undefined) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problems)` : '';
  throw new PackageError(first.code, `refusing to unpack: ${first.message}${more}`, {
    where: first.entry === undefined ? view.source : `${view.source}!${first.entry}`,
    hint: 'the archive is damaged or hostile; get the package again from its official source',
  });
}

/** The bytes the view says it unpacks to: its files, and a copy of its target for every link. */
function declaredOutput(view: PackageView): number {
  let total = 0;
  for (const entry of view.entries()) {
    if (entry.kind === 'file') total += entry.size;
    else if (entry.kind === 'symlink' || entry.kind === 'hardlink')
      total += view.resolve(entry.path)?.size ?? 0;
  }
  return total;
}

async function writeAll(
  view: PackageView,
  root: string,
  budget: OutputBudget,
): Promise<Omit<ExtractResult, 'destination'>> {
  const inside = (path: string) => {
    const target = resolve(root, path);
    // the view's names are already normalised; this is the last line of defence
    if (!target.startsWith(root + sep)) {
      throw new PackageError('package.unsafe-path', 'entry would land outside the destination', {
        where: path,
      });
    }
    return target;
  };
  for (const entry of view.entries()) {
    const folder = entry.kind === 'dir' ? entry.path : dirname(entry.path);
    if (folder !== '.') await mkdir(inside(folder), { recursive: true });
  }
  let files = 0;
  await view.forEach(async (entry, stream) => {
    await pipeline(stream, budget.meter(entry.path), createWriteStream(inside(entry.path), { flags: 'wx' }));
    files++;
  });
  const skipped: string[] = [];
  for (const entry of view.entries()) {
    if (entry.kind !== 'symlink' && entry.kind !== 'hardlink') continue;
    const target = view.resolve(entry.path);
    if (target === undefined) {
      skipped.push(entry.path);
      continue;
    }
    await budget.add(target.size, entry.path);
    await copyFile(inside(target.path), inside(entry.path), constants.COPYFILE_EXCL);
    files++;
  }
  return { files, bytes: budget.total, skipped };
}

/** Counts what is written across all files and stops at the total-size, total-ratio and free-space limits. */
class OutputBudget {
  total = 0;

  constructor(
    private readonly view: PackageView,
    private readonly limits: PackageLimits,
    private readonly disk: DiskSpaceGuard,
  ) {}

  async add(bytes: number, path: string): Promise<void> {
    this.count(bytes, path);
    await this.disk.wrote(bytes);
  }

  private count(bytes: number, path: string): void {
    this.total += bytes;
    const ratio = this.total / Math.max(1, this.view.sourceSize);
    const tooBig = this.total > this.limits.maxTotalBytes;
    if (tooBig || (this.total > this.limits.ratioFloorBytes && ratio > this.limits.maxTotalRatio)) {
      const why = tooBig
        ? `more than ${this.limits.maxTotalBytes} bytes`
        : `more than ${this.limits.maxTotalRatio} times the archive's size`;
      throw new PackageError('package.bomb', `unpacking would write ${why}`, {
        where: `${this.view.source}!${path}`,
        hint: 'a decompression bomb, or raise the limit if the package is genuine',
      });
    }
  }

  meter(path: string): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback: TransformCallback) => {
        this.add(chunk.length, path).then(
          () => callback(null, chunk),
          (error: unknown) => callback(error as Error),
        );
      },
    });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function asExtractError(error: unknown, destination: string): unknown {
  if (error instanceof RomctlError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  const message =
    code === 'EEXIST'
      ? 'two entries unpack to the same file (names differing only in case on this file system?)'
      : code === 'ENOSPC'
        ? 'no space left on the device'
        : `cannot write: ${(error as Error).message}`;
  return new RomctlError(message, { where: destination, cause: error });
}
