import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { RomctlError } from '../errors.js';
import { PackageError } from './types.js';

export interface GuardOptions {
  /** the size the container declares; more bytes is a bomb, fewer a truncation */
  size: number;
  where: string;
  /** the CRC-32 the container declares (zip) */
  crc?: number;
  /** what to do with the source when the consumer stops early; destroying it is the default */
  release?: (guard: Transform) => void;
}

/** The part of a readable stream the guard needs; node streams and node-tar's entries both have it. */
export interface EntrySource {
  pipe(destination: NodeJS.WritableStream): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  destroy?: () => unknown;
}

/**
 * Wraps an entry's raw stream so the consumer sees exactly the declared bytes or a PackageError: the count is
 * enforced while streaming (a lying zip entry cannot inflate past its declared size), and errors of the
 * underlying stream (zlib, file system) become one-line errors naming the entry.
 */
export function guardEntryStream(source: EntrySource, options: GuardOptions): Readable {
  let seen = 0;
  let crc = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > options.size) {
        callback(
          new PackageError('package.bomb', `entry inflates past its declared size of ${options.size} bytes`, {
            where: options.where,
            hint: 'the archive lies about its contents; do not use it',
          }),
        );
        return;
      }
      if (options.crc !== undefined) crc = crc32(chunk, crc);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (seen < options.size) {
        callback(
          new PackageError('package.truncated', `entry ends after ${seen} of its ${options.size} bytes`, {
            where: options.where,
            hint: 'the archive is damaged or incomplete; download it again',
          }),
        );
      } else if (options.crc !== undefined && crc !== options.crc >>> 0) {
        callback(
          new PackageError('package.corrupt-entry', 'entry data does not match its CRC-32', {
            where: options.where,
            hint: 'the archive is damaged; download it again',
          }),
        );
      } else {
        callback();
      }
    },
  });
  source.on('error', (error: unknown) => guard.destroy(asEntryError(error, options.where)));
  // a failure before the consumer attaches must not crash the process: pipeline() and for-await still see it
  // through guard.errored
  guard.on('error', () => undefined);
  guard.on('close', () => {
    // the source ends the guard when it is done; anything else means the consumer stopped early
    if (!guard.writableEnded) (options.release ?? (() => source.destroy?.()))(guard);
  });
  source.pipe(guard);
  return guard;
}

/** Any failure while reading an entry, as a one-line error naming the entry. */
export function asEntryError(error: unknown, where: string): RomctlError {
  if (error instanceof RomctlError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const truncated = /unexpected end|unexpected EOF|truncated/i.test(message);
  return new PackageError(
    truncated ? 'package.truncated' : 'package.corrupt-entry',
    `cannot read entry: ${message}`,
    {
      where,
      hint: 'the archive is damaged; download it again',
      cause: error,
    },
  );
}
