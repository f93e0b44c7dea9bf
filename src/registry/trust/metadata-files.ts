import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Metadata, MetadataKind, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { RomctlError } from '../../errors.js';

/** The folder of a published tree that holds the signed metadata; documents go under `targets/`. */
export const METADATA_DIR = 'metadata';
export const TARGETS_DIR = 'targets';

type Kinds = { root: Root; targets: Targets; snapshot: Snapshot; timestamp: Timestamp };

/** A metadata file of a published tree, or undefined when the tree has none yet. */
export async function readMetadata<K extends keyof Kinds>(
  tree: string,
  kind: K,
  file: string = `${kind}.json`,
): Promise<Metadata<Kinds[K]> | undefined> {
  const path = join(tree, METADATA_DIR, file);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  try {
    return Metadata.fromJSON(kind as MetadataKind.Root, JSON.parse(text)) as unknown as Metadata<Kinds[K]>;
  } catch (error) {
    throw new RomctlError(`not ${kind} metadata: ${(error as Error).message}`, { where: path });
  }
}

export function metadataBytes(metadata: Metadata<Kinds[keyof Kinds]>): Buffer {
  return Buffer.from(`${JSON.stringify(metadata.toJSON(), null, 1)}\n`);
}

/** Writes a file of the tree atomically, so a server never hands out half of it. */
export async function writeAtomically(path: string, bytes: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}-${randomUUID()}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

/** An expiry `days` from now, as TUF writes it (UTC, whole seconds). */
export function expiresIn(days: number, now = new Date()): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
