import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { EntryTable, type RawEntry } from './entry-table.js';
import { asEntryError, guardEntryStream } from './entry-stream.js';
import { TableView } from './table-view.js';
import { PackageError, entryWhere, type PackageEntry, type PackageLimits } from './types.js';

const methodStored = 0;
const methodDeflated = 8;
const unixHost = 3;
const maxLinkTargetBytes = 4096;
/** fixed part of a local file header; the name follows it */
const localHeaderBytes = 30;
const READ_BUFFER = 1024 * 1024;

/**
 * A zip read lazily through yauzl: the central directory is listed once; an entry is inflated only when opened.
 * Names are decoded here rather than by yauzl, because yauzl stops the whole listing at the first `../` name
 * and the rest of a hostile package still deserves to be reported.
 */
export class ZipView extends TableView<Entry> {
  constructor(
    source: string,
    sourceSize: number,
    table: EntryTable<Entry>,
    private readonly zip: ZipFile,
  ) {
    super('zip', source, sourceSize, table);
  }

  async open(path: string): Promise<Readable> {
    const { entry, handle } = this.fileFor(path);
    return openEntry(this.zip, handle, entry.size, entryWhere(this.source, entry.path), this.source);
  }

  protected override readOrder(entries: PackageEntry[]): PackageEntry[] {
    const offset = (e: PackageEntry) => this.table.handle(e.path)?.relativeOffsetOfLocalHeader ?? 0;
    return [...entries].sort((a, b) => offset(a) - offset(b));
  }

  async close(): Promise<void> {
    this.zip.close();
  }
}

export async function openZip(path: string, sourceSize: number, limits: PackageLimits): Promise<ZipView> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: false,
      strictFileNames: true,
    });
  } catch (error) {
    throw new PackageError('package.unreadable', `not a readable zip: ${messageOf(error)}`, {
      where: path,
      hint: 'the file is damaged or incomplete (a cut download loses the central directory at the end)',
      cause: error,
    });
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new PackageError(
        'package.bomb',
        `declares ${zip.entryCount} entries, more than ${limits.maxEntries}`,
        {
          where: path,
        },
      );
    }
    const table = new EntryTable<Entry>(path, limits);
    const listed = await listEntries(zip, path, table);
    checkDeclaredRatios(listed, table, limits);
    checkOverlaps(listed, table);
    await readLinkTargets(zip, path, table);
    table.finish();
    return new ZipView(path, sourceSize, table, zip);
  } catch (error) {
    zip.close();
    throw error;
  }
}

interface Listed {
  raw: Entry;
  name: string;
}

function listEntries(zip: ZipFile, path: string, table: EntryTable<Entry>): Promise<Listed[]> {
  const listed: Listed[] = [];
  return new Promise((resolve, reject) => {
    zip.on('entry', (raw: Entry) => {
      try {
        const name = yauzl.getFileNameLowLevel(
          raw.generalPurposeBitFlag,
          raw.fileNameRaw,
          raw.extraFields,
          true,
        );
        listed.push({ raw, name });
        const entry = table.add(describe(raw, name), raw);
        if (entry?.kind === 'file') checkReadable(raw, name, table);
        zip.readEntry();
      } catch (error) {
        reject(error);
      }
    });
    zip.on('end', () => resolve(listed));
    zip.on('error', (error: unknown) => {
      const message = messageOf(error);
      const code = /EOF|signature/i.test(message) ? 'package.truncated' : 'package.corrupt-entry';
      table.report(code, 'error', `central directory is damaged after ${listed.length} entries: ${message}`);
      resolve(listed);
    });
    zip.readEntry();
  });
}

function describe(raw: Entry, name: string): RawEntry {
  const base = { name, size: raw.uncompressedSize, compressedSize: raw.compressedSize };
  const mode = raw.versionMadeBy >> 8 === unixHost ? raw.externalFileAttributes >>> 16 : 0;
  switch (mode & 0o170000) {
    case 0o120000:
      return { ...base, kind: 'symlink' };
    case 0o040000:
      return { ...base, kind: 'dir' };
    case 0o010000:
      return { ...base, kind: 'special', specialType: 'FIFO' };
    case 0o020000:
      return { ...base, kind: 'special', specialType: 'character device' };
    case 0o060000:
      return { ...base, kind: 'special', specialType: 'block device' };
    case 0o140000:
      return { ...base, kind: 'special', specialType: 'socket' };
    default:
      return { ...base, kind: /[/\\]$/.test(name) ? 'dir' : 'file' };
  }
}

function checkReadable(raw: Entry, name: string, table: EntryTable<Entry>): void {
  if (raw.isEncrypted()) {
    table.report('package.encrypted', 'error', 'entry is encrypted', name);
  } else if (raw.compressionMethod !== methodStored && raw.compressionMethod !== methodDeflated) {
    table.report(
      'package.unsupported-compression',
      'error',
      `compression method ${raw.compressionMethod} is not supported (only stored and deflate)`,
      name,
    );
  }
}

function checkDeclaredRatios(listed: Listed[], table: EntryTable<Entry>, limits: PackageLimits): void {
  for (const { raw, name } of listed) {
    if (raw.uncompressedSize === 0) continue;
    const ratio = raw.compressedSize === 0 ? Infinity : raw.uncompressedSize / raw.compressedSize;
    if (ratio > limits.maxEntryRatio) {
      table.report(
        'package.bomb',
        'error',
        `declares ${raw.uncompressedSize} bytes from ${raw.compressedSize} compressed (ratio above ${limits.maxEntryRatio})`,
        name,
      );
    }
  }
}

/** Entries sharing compressed bytes are the trick behind non-recursive zip bombs; no honest zip does it. */
function checkOverlaps(listed: Listed[], table: EntryTable<Entry>): void {
  const sorted = [...listed].sort(
    (a, b) => a.raw.relativeOffsetOfLocalHeader - b.raw.relativeOffsetOfLocalHeader,
  );
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1] as Listed;
    const after = sorted[i] as Listed;
    const end =
      before.raw.relativeOffsetOfLocalHeader +
      localHeaderBytes +
      before.raw.fileNameLength +
      before.raw.compressedSize;
    if (after.raw.relativeOffsetOfLocalHeader < end) {
      table.report('package.bomb', 'error', `entry data overlaps the data of ${before.name}`, after.name);
    }
  }
}

async function readLinkTargets(zip: ZipFile, path: string, table: EntryTable<Entry>): Promise<void> {
  for (const entry of table.list.filter((e) => e.kind === 'symlink')) {
    const raw = table.handle(entry.path) as Entry;
    const where = entryWhere(path, entry.path);
    if (raw.uncompressedSize > maxLinkTargetBytes) {
      table.report(
        'package.corrupt-entry',
        'error',
        `link target longer than ${maxLinkTargetBytes} bytes`,
        entry.path,
      );
      table.drop(entry.path);
      continue;
    }
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await openEntry(zip, raw, raw.uncompressedSize, where, path))
        chunks.push(chunk as Buffer);
      entry.linkTarget = Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      table.report(
        'package.corrupt-entry',
        'error',
        `cannot read the link target: ${messageOf(error)}`,
        entry.path,
      );
      table.drop(entry.path);
    }
  }
}

/**
 * The entry's bytes, read with 1 MiB buffers straight from the archive file: yauzl locates and validates the data,
 * but its own reader moves 16 KiB at a time, which made checking a zip twice as slow as hashing it.
 */
async function openEntry(
  zip: ZipFile,
  raw: Entry,
  size: number,
  where: string,
  archive: string,
): Promise<Readable> {
  if (raw.isEncrypted()) throw new PackageError('package.encrypted', 'entry is encrypted', { where });
  if (raw.compressionMethod !== methodStored && raw.compressionMethod !== methodDeflated) {
    throw new PackageError('package.unsupported-compression', `compression method ${raw.compressionMethod}`, {
      where,
    });
  }
  let stream: Readable;
  try {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(raw, { minimal: true });
    // an empty range cannot be expressed as start/end: an empty entry is an empty stream
    const data =
      raw.compressedSize === 0
        ? Readable.from([])
        : createReadStream(archive, {
            start: fileDataStart,
            end: fileDataStart + raw.compressedSize - 1,
            highWaterMark: READ_BUFFER,
          });
    stream =
      raw.compressionMethod === methodStored
        ? data
        : data.pipe(createInflateRaw({ chunkSize: READ_BUFFER })).on('error', () => data.destroy());
    if (stream !== data) data.on('error', (error: Error) => stream.destroy(error));
  } catch (error) {
    throw asEntryError(error, where);
  }
  return guardEntryStream(stream, { size, where, crc: raw.crc32 });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
