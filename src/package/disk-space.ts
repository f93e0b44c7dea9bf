import { statfs } from 'node:fs/promises';
import { PackageError } from './types.js';

/** Free space kept on the disk while unpacking unless the caller says otherwise. */
export const defaultKeepFreeBytes = 256 * 1024 ** 2;

/** how many bytes may be written between two looks at the free space */
const recheckEveryBytes = 32 * 1024 ** 2;

/** Bytes an unprivileged process may still write on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const info = await statfs(path);
  return info.bavail * info.bsize;
}

/**
 * Keeps an extraction from filling the disk: before it starts, what the package declares plus the margin must
 * fit; while it runs, the free space is looked at again every few megabytes (other programs write too), and the
 * extraction stops once less than the margin would be left.
 */
export class DiskSpaceGuard {
  private sinceCheck = 0;

  private constructor(
    private readonly folder: string,
    private readonly keepFree: number,
    private readonly where: string,
  ) {}

  static async start(
    folder: string,
    needed: number,
    keepFree: number,
    where: string,
  ): Promise<DiskSpaceGuard> {
    const guard = new DiskSpaceGuard(folder, keepFree, where);
    const free = await freeBytes(folder);
    if (free - needed < keepFree) guard.refuse(`unpacking needs ${needed} bytes`, free);
    return guard;
  }

  /** Counts `bytes` about to be written; every few megabytes checks that the margin is still free. */
  async wrote(bytes: number): Promise<void> {
    this.sinceCheck += bytes;
    if (this.sinceCheck < recheckEveryBytes) return;
    this.sinceCheck = 0;
    await this.check();
  }

  async check(): Promise<void> {
    const free = await freeBytes(this.folder);
    if (free < this.keepFree) this.refuse('the disk is filling up while unpacking', free);
  }

  private refuse(what: string, free: number): never {
    throw new PackageError(
      'package.no-space',
      `${what}; ${free} bytes are free, ${this.keepFree} must stay free`,
      {
        where: this.where,
        hint: 'free some space (romctl cache prune removes old downloads and bundles) or unpack elsewhere with --out',
      },
    );
  }
}
