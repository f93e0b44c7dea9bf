import { createHash } from 'node:crypto';
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { ExitCode, RomctlError } from '../errors.js';
import type { SimStorageLayout } from './profiles.js';

export type SimRegion = keyof SimStorageLayout;

export const SIM_REGIONS: readonly SimRegion[] = ['boot1', 'boot2', 'rpmb', 'user'];

const CHUNK = 4 * 1024 * 1024;
/** one read or write may move at most this much; larger transfers go in pieces */
const MAX_TRANSFER = 64 * 1024 * 1024;

/** Sorted, disjoint [start, end) ranges of the file that hold written bytes; everything else reads as zero. */
class Extents {
  constructor(public ranges: Array<[number, number]> = []) {}

  add(start: number, end: number): void {
    const kept: Array<[number, number]> = [];
    for (const [s, e] of this.ranges) {
      if (e < start || s > end) kept.push([s, e]);
      else [start, end] = [Math.min(s, start), Math.max(e, end)];
    }
    kept.push([start, end]);
    this.ranges = kept.sort((a, b) => a[0] - b[0]);
  }

  remove(start: number, end: number): void {
    this.ranges = this.ranges.flatMap(([s, e]): Array<[number, number]> => {
      if (e <= start || s >= end) return [[s, e]];
      const parts: Array<[number, number]> = [];
      if (s < start) parts.push([s, start]);
      if (e > end) parts.push([end, e]);
      return parts;
    });
  }

  within(start: number, end: number): Array<[number, number]> {
    return this.ranges
      .filter(([s, e]) => e > start && s < end)
      .map(([s, e]): [number, number] => [Math.max(s, start), Math.min(e, end)]);
  }
}

/**
 * The simulated phone's flash: boot1, boot2, rpmb and user one after another in ONE sparse file, so a 32 GiB user
 * area costs only what was written. Erased or never-written bytes read as zero. Which ranges hold data is kept in
 * `<file>.extents.json` beside the file, so erasing never rewrites holes.
 */
export class SimStorage {
  private readonly starts: Record<SimRegion, number>;
  private readonly total: number;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly layout: SimStorageLayout,
    private readonly extents: Extents,
  ) {
    let at = 0;
    const starts = {} as Record<SimRegion, number>;
    for (const region of SIM_REGIONS) {
      starts[region] = at;
      at += layout[region];
    }
    this.starts = starts;
    this.total = at;
  }

  /**
   * Opens (or creates) the backing file. An existing file must have this layout's size; without its extents file
   * all of it counts as written.
   */
  static async open(path: string, layout: SimStorageLayout): Promise<SimStorage> {
    const total = SIM_REGIONS.reduce((sum, r) => sum + layout[r], 0);
    const handle = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return open(path, 'w+');
      throw new RomctlError(`cannot open the storage file (${error.code ?? error.message})`, {
        where: path,
        hint: 'give a writable --storage path',
      });
    });
    try {
      const { size } = await handle.stat();
      if (size !== 0 && size !== total) {
        throw new RomctlError(`the storage file has ${size} bytes, this phone's storage needs ${total}`, {
          where: path,
          hint: 'use a new --storage file for this profile, or the profile that created this one',
        });
      }
      const extents = size === 0 ? new Extents() : await loadExtents(path, size);
      await handle.truncate(total);
      return new SimStorage(handle, path, layout, extents);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  size(region: SimRegion): number {
    return this.layout[region];
  }

  async read(region: SimRegion, offset: number | bigint, length: number | bigint): Promise<Uint8Array> {
    const [start, end] = this.span(region, offset, length, 'read');
    const out = new Uint8Array(end - start);
    for (const [s, e] of this.extents.within(start, end)) {
      await this.handle.read(out, s - start, e - s, s);
    }
    return out;
  }

  async write(region: SimRegion, offset: number | bigint, bytes: Uint8Array): Promise<void> {
    const [start, end] = this.span(region, offset, bytes.length, 'write');
    await this.handle.write(bytes, 0, bytes.length, start);
    this.extents.add(start, end);
  }

  /** erased bytes read as zero; only ranges that held data are touched on disk */
  async erase(region: SimRegion, offset: number | bigint, length: number | bigint): Promise<void> {
    const [start, end] = this.span(region, offset, length, 'erase', Infinity);
    const zeros = new Uint8Array(Math.min(CHUNK, end - start));
    for (const [s, e] of this.extents.within(start, end)) {
      for (let at = s; at < e; at += CHUNK) await this.handle.write(zeros, 0, Math.min(CHUNK, e - at), at);
    }
    this.extents.remove(start, end);
  }

  /** sha256 of a range as lowercase hex; holes are hashed as zeros without reading them */
  async sha256(region: SimRegion, offset: number | bigint = 0, length?: number | bigint): Promise<string> {
    const [start, end] = this.span(
      region,
      offset,
      length ?? this.size(region) - Number(offset),
      'hash',
      Infinity,
    );
    const hash = createHash('sha256');
    const zeros = new Uint8Array(Math.min(CHUNK, Math.max(end - start, 1)));
    const buffer = new Uint8Array(zeros.length);
    let at = start;
    const feedZeros = (to: number) => {
      for (; at < to; at += Math.min(CHUNK, to - at))
        hash.update(zeros.subarray(0, Math.min(CHUNK, to - at)));
    };
    for (const [s, e] of this.extents.within(start, end)) {
      feedZeros(s);
      for (; at < e;) {
        const n = Math.min(CHUNK, e - at);
        await this.handle.read(buffer, 0, n, at);
        hash.update(buffer.subarray(0, n));
        at += n;
      }
    }
    feedZeros(end);
    return hash.digest('hex');
  }

  /** bytes of the backing file holding data (what the sparse file costs, at most) */
  get writtenBytes(): number {
    return this.extents.ranges.reduce((sum, [s, e]) => sum + e - s, 0);
  }

  async close(): Promise<void> {
    await this.handle.close();
    await writeFile(
      extentsPath(this.path),
      JSON.stringify({ total: this.total, ranges: this.extents.ranges }),
    );
  }

  private span(
    region: SimRegion,
    offset: number | bigint,
    length: number | bigint,
    what: string,
    limit = MAX_TRANSFER,
  ): [number, number] {
    const regionSize = this.layout[region];
    const off = Number(offset);
    const len = Number(length);
    const fits =
      Number.isSafeInteger(off) &&
      Number.isSafeInteger(len) &&
      off >= 0 &&
      len >= 0 &&
      off + len <= regionSize;
    if (!fits || len > limit) {
      throw new RomctlError(
        `${what} of ${length} byte(s) at ${offset} is outside ${region} (${regionSize} bytes)` +
          (fits ? ` or over the ${limit}-byte limit of one transfer` : ''),
        {
          exitCode: ExitCode.device,
          where: `simulated ${region}`,
          hint: 'the flash plan addresses the wrong region or size',
        },
      );
    }
    const start = this.starts[region] + off;
    return [start, start + len];
  }
}

function extentsPath(path: string): string {
  return `${path}.extents.json`;
}

async function loadExtents(path: string, size: number): Promise<Extents> {
  try {
    const saved = JSON.parse(await readFile(extentsPath(path), 'utf8')) as {
      total?: number;
      ranges?: unknown;
    };
    const ranges = saved.ranges;
    const valid =
      saved.total === size &&
      Array.isArray(ranges) &&
      ranges.every(
        (r) =>
          Array.isArray(r) &&
          r.length === 2 &&
          Number.isSafeInteger(r[0]) &&
          r[0] >= 0 &&
          r[1] <= size &&
          r[0] < r[1],
      );
    if (valid) return new Extents(ranges as Array<[number, number]>);
  } catch {
    // no or unreadable extents file: fall through
  }
  return new Extents([[0, size]]);
}
