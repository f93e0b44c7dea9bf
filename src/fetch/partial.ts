import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PrefixDigest } from './prefix-digest.js';

/** What is kept beside a partial file so the next run knows what it holds. */
export interface PartialState {
  /** the url the bytes came from, with its validators: a changed remote file restarts instead of splicing */
  url?: string;
  etag?: string;
  lastModified?: string;
  /** set when the bytes were fetched as parallel ranges: which chunks are complete */
  chunkSize?: number;
  done?: number[];
}

/**
 * A download in progress: `<stem>.part` and its state `<stem>.json`. In stream mode the file is a prefix of
 * the blob; in chunk mode it is sparse and `done` lists whole chunks. Either way the digests follow the
 * bytes as they are written; what an earlier run kept is read back once (a hash state cannot be saved).
 */
export class PartialFile {
  /** stream mode: bytes of the prefix */
  length = 0;
  /** chunk mode */
  chunkSize: number | undefined;
  readonly done = new Set<number>();
  /** the bytes came from more than one response: a hash mismatch may be the splice's fault */
  spliced = false;
  /** bytes held, for progress */
  received = 0;
  private size = 0;
  private digests: PrefixDigest | undefined;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly partPath: string,
    readonly statePath: string,
    private readonly handle: FileHandle,
    public state: PartialState,
    private readonly wantMd5: boolean,
  ) {}

  static async open(stem: string, wantMd5: boolean, expectedSize?: number): Promise<PartialFile> {
    const partPath = `${stem}.part`;
    const statePath = `${stem}.json`;
    await mkdir(dirname(stem), { recursive: true });
    await (await open(partPath, 'a')).close();
    const handle = await open(partPath, 'r+');
    const state = await readState(statePath);
    const size = (await handle.stat()).size;
    const partial = new PartialFile(partPath, statePath, handle, state, wantMd5);
    if (expectedSize !== undefined && size > expectedSize) {
      await partial.reset();
    } else if (state.chunkSize !== undefined) {
      partial.chunkSize = state.chunkSize;
      partial.size = expectedSize ?? size;
      for (const index of state.done ?? []) partial.done.add(index);
    } else {
      partial.length = size;
    }
    return partial;
  }

  get fileHandle(): FileHandle {
    return this.handle;
  }

  /** Switches to stream mode, keeping the complete prefix. */
  async useStream(): Promise<void> {
    if (this.chunkSize !== undefined) {
      this.length = this.frontier();
      await this.handle.truncate(this.length);
      this.chunkSize = undefined;
      this.done.clear();
      await this.dropDigests();
      await this.saveState({
        url: this.state.url,
        etag: this.state.etag,
        lastModified: this.state.lastModified,
      });
    }
    if (this.length > 0) this.spliced = true;
    this.received = this.length;
    this.startDigests();
  }

  /** Switches to chunk mode: complete chunks of a stream-mode prefix count as done. */
  async useChunks(chunkSize: number, size: number): Promise<void> {
    this.size = size;
    if (this.chunkSize !== chunkSize) {
      const complete = this.chunkSize === undefined ? Math.floor(this.length / chunkSize) : 0;
      this.done.clear();
      for (let index = 0; index < complete; index++) this.done.add(index);
      this.chunkSize = chunkSize;
      this.length = 0;
      await this.dropDigests();
      await this.saveState({ ...this.state, chunkSize, done: [...this.done] });
    }
    this.spliced = true;
    this.received = [...this.done].reduce((sum, index) => sum + chunkLength(index, chunkSize, size), 0);
    this.startDigests();
  }

  /** Stream mode: `buffers` were written at the end of the prefix. */
  wrote(position: number, buffers: readonly Buffer[], bytes: number): void {
    this.length = position + bytes;
    this.received = this.length;
    this.digests?.wrote(position, buffers);
  }

  /** Chunk mode: `buffers` were written at `position`, inside a chunk still coming. */
  wroteInChunk(position: number, buffers: readonly Buffer[]): void {
    this.digests?.wrote(position, buffers);
  }

  async markChunkDone(index: number): Promise<void> {
    this.done.add(index);
    void this.digests?.catchUp();
    await this.saveState({ ...this.state, done: [...this.done].sort((a, b) => a - b) });
  }

  /** The digests of the whole file once every byte is in. */
  async digest(): Promise<{ sha256: string; md5?: string }> {
    const digests = this.startDigests();
    this.digests = undefined;
    return digests.finish(this.frontier());
  }

  /** Empties the file: its bytes cannot be used (changed remote, wrong hash, server without ranges). */
  async reset(): Promise<void> {
    await this.dropDigests();
    await this.handle.truncate(0);
    this.length = 0;
    this.received = 0;
    this.chunkSize = undefined;
    this.done.clear();
    this.spliced = false;
    await this.saveState({});
  }

  /** Writes the state atomically; parallel chunks finishing together are written one after another. */
  saveState(state: PartialState): Promise<void> {
    this.state = state;
    const temporary = `${this.statePath}.${process.pid}.tmp`;
    const text = JSON.stringify(state);
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        await writeFile(temporary, text);
        await rename(temporary, this.statePath);
      });
    return this.saving;
  }

  async close(): Promise<void> {
    await this.dropDigests();
    await this.handle.close().catch(() => undefined);
  }

  /** After the blob was placed elsewhere, or when nothing worth keeping is left. */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.partPath, { force: true });
    await rm(this.statePath, { force: true });
  }

  /** Stream mode: the prefix; chunk mode: the run of done chunks from the start. */
  private frontier(): number {
    if (this.chunkSize === undefined) return this.length;
    let index = 0;
    while (this.done.has(index)) index += 1;
    return Math.min(index * this.chunkSize, this.size);
  }

  private startDigests(): PrefixDigest {
    if (this.digests === undefined) {
      const digests = new PrefixDigest(this.handle, this.wantMd5);
      if (this.chunkSize === undefined) digests.have(0, this.length);
      for (const index of this.done) {
        const start = index * (this.chunkSize ?? 0);
        digests.have(start, start + chunkLength(index, this.chunkSize ?? 0, this.size));
      }
      void digests.catchUp();
      this.digests = digests;
    }
    return this.digests;
  }

  private async dropDigests(): Promise<void> {
    const digests = this.digests;
    this.digests = undefined;
    await digests?.settled();
  }
}

export function chunkLength(index: number, chunkSize: number, size: number): number {
  return Math.max(0, Math.min(chunkSize, size - index * chunkSize));
}

async function readState(path: string): Promise<PartialState> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (parsed === null || typeof parsed !== 'object') return {};
    const raw = parsed as Record<string, unknown>;
    const state: PartialState = {};
    if (typeof raw.url === 'string') state.url = raw.url;
    if (typeof raw.etag === 'string') state.etag = raw.etag;
    if (typeof raw.lastModified === 'string') state.lastModified = raw.lastModified;
    if (typeof raw.chunkSize === 'number' && raw.chunkSize > 0 && Array.isArray(raw.done)) {
      state.chunkSize = raw.chunkSize;
      state.done = raw.done.filter((value): value is number => Number.isInteger(value) && value >= 0);
    }
    return state;
  } catch {
    return {};
  }
}
