import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Metadata, MetaFile, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { parse } from 'yaml';
import { RomctlError } from '../../errors.js';
import { buildIndex, indexFiles } from '../index-file.js';
import type { Bundle } from '../model.js';
import { loadKeys, signerOf, type RoleName, type SigningKey } from './keys.js';
import { firmwareTarget } from './targets.js';
import {
  expiresIn,
  metadataBytes,
  METADATA_DIR,
  readMetadata,
  TARGETS_DIR,
  writeAtomically,
} from './metadata-files.js';

export interface PublishOptions {
  /** the registry folder (devices/, bundles/) */
  registry: string;
  /** the static tree to write: metadata/ and targets/, served as is by any HTTP server */
  tree: string;
  /** the key folder holding the targets, snapshot and timestamp keys the tree's root lists */
  keys: string;
  /** days until each role's metadata expires; default targets 90, snapshot 30, timestamp 7 */
  expiresDays?: Partial<Record<'targets' | 'snapshot' | 'timestamp', number>>;
  /** checks each document before it is signed (the schemas); throws a RomctlError */
  check?: (kind: 'device' | 'bundle', value: unknown, file: string) => void;
}

export interface Published {
  version: number;
  /** registry documents signed as targets */
  documents: number;
  /** firmware files whose sha256 and size the targets metadata pins */
  firmware: number;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function onlineKeys(options: PublishOptions, role: RoleName, keyIDs: string[], threshold: number) {
  const held = (await loadKeys(options.keys, role)).filter(({ key }) => keyIDs.includes(key.keyID));
  if (held.length < threshold) {
    throw new RomctlError(
      `the tree's root wants ${threshold} ${role} signature${threshold === 1 ? '' : 's'}; the key folder holds ${held.length} of its keys`,
      { where: join(options.keys, role), hint: 'use the key folder the root was signed with (romctl registry sign)' },
    );
  }
  return held;
}

function signed<T extends Targets | Snapshot | Timestamp>(signed: T, keys: SigningKey[]): Buffer {
  const metadata = new Metadata(signed);
  for (const key of keys) metadata.sign(signerOf(key), true);
  return metadataBytes(metadata);
}

/**
 * Publishes a registry folder as a signed static tree (consistent snapshots, TUF spec §5.5): every document
 * under `targets/<dir>/<sha256>.<name>`, the targets metadata listing each document and each firmware file
 * with a sha256, the snapshot pinning the targets metadata's version, length and hash, and the timestamp
 * pinning the snapshot. Versions follow the tree's last ones. `timestamp.json` is written last, so a client
 * reading during a publish sees the old tree or the new one, never a mix.
 */
export async function publishRegistry(options: PublishOptions): Promise<Published> {
  const root = await readMetadata(options.tree, 'root');
  if (!root) {
    throw new RomctlError('the tree has no root metadata', {
      where: join(options.tree, METADATA_DIR),
      hint: `sign one first: romctl registry sign --keys ${options.keys} --out ${options.tree}`,
    });
  }
  const role = (name: RoleName) => root.signed.roles[name] ?? { keyIDs: [], threshold: 1 };
  const keys = {
    targets: await onlineKeys(options, 'targets', role('targets').keyIDs, role('targets').threshold),
    snapshot: await onlineKeys(options, 'snapshot', role('snapshot').keyIDs, role('snapshot').threshold),
    timestamp: await onlineKeys(options, 'timestamp', role('timestamp').keyIDs, role('timestamp').threshold),
  };
  const lastTimestamp = await readMetadata(options.tree, 'timestamp');
  const version = (lastTimestamp?.signed.version ?? 0) + 1;
  const expires = { targets: 90, snapshot: 30, timestamp: 7, ...options.expiresDays };

  const index = buildIndex(options.registry, options.check);
  const documents = new Map<string, Buffer>(
    [...indexFiles(index)].map(([file, text]) => [file, Buffer.from(text)]),
  );
  const targets = new Targets({ version, specVersion: '1.0.31', expires: expiresIn(expires.targets) });
  let firmware = 0;
  for (const device of index.devices) {
    documents.set(device.file, await readFile(join(options.registry, device.file)));
    for (const entry of device.bundles) {
      const bytes = await readFile(join(options.registry, entry.file));
      documents.set(entry.file, bytes);
      const bundle = parse(bytes.toString('utf8')) as Bundle;
      for (const file of bundle.files) {
        if (file.sha256 === undefined) continue;
        if (file.size === undefined) {
          throw new RomctlError(`${file.name} has a sha256 but no size: signed targets pin both`, {
            where: join(options.registry, entry.file),
            hint: 'add its size in bytes (romctl registry add --from-file records both)',
          });
        }
        const path = firmwareTarget(bundle.codename, bundle.id, file.name);
        targets.addTarget(new TargetFile({ path, length: file.size, hashes: { sha256: file.sha256 } }));
        firmware++;
      }
    }
  }
  for (const [path, bytes] of documents) {
    const digest = sha256(bytes);
    targets.addTarget(new TargetFile({ path, length: bytes.length, hashes: { sha256: digest } }));
    const stored = join(options.tree, TARGETS_DIR, dirname(path), `${digest}.${basename(path)}`);
    if (!(await stat(stored).catch(() => undefined))) await writeAtomically(stored, bytes);
  }

  const targetsBytes = signed(targets, keys.targets);
  await writeAtomically(join(options.tree, METADATA_DIR, `${version}.targets.json`), targetsBytes);
  const snapshot = new Snapshot({
    version,
    specVersion: '1.0.31',
    expires: expiresIn(expires.snapshot),
    meta: { 'targets.json': new MetaFile({ version, length: targetsBytes.length, hashes: { sha256: sha256(targetsBytes) } }) },
  });
  const snapshotBytes = signed(snapshot, keys.snapshot);
  await writeAtomically(join(options.tree, METADATA_DIR, `${version}.snapshot.json`), snapshotBytes);
  const timestamp = new Timestamp({
    version,
    specVersion: '1.0.31',
    expires: expiresIn(expires.timestamp),
    snapshotMeta: new MetaFile({ version, length: snapshotBytes.length, hashes: { sha256: sha256(snapshotBytes) } }),
  });
  await writeAtomically(join(options.tree, METADATA_DIR, 'timestamp.json'), signed(timestamp, keys.timestamp));
  return { version, documents: documents.size, firmware };
}
