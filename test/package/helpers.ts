import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { PackageError, type PackageView } from '../../src/package/index.js';
import { scratchFolder } from '../builders/archives.js';

/** Writes bytes to a new temporary file and returns its path. */
export async function archiveFile(name: string, bytes: Buffer): Promise<string> {
  const path = join(await scratchFolder(), name);
  await writeFile(path, bytes);
  return path;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readEntry(view: PackageView, path: string): Promise<Buffer> {
  return readAll(await view.open(path));
}

export function codes(view: PackageView): string[] {
  return view.problems.map((problem) => problem.code);
}

/** Awaits a promise that must fail with a PackageError of this code; returns it for further checks. */
export async function expectPackageError(promise: Promise<unknown>, code: string): Promise<PackageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RomctlError);
  expect((error as PackageError).code).toBe(code);
  expect((error as RomctlError).oneLine()).not.toContain('\n');
  return error as PackageError;
}
