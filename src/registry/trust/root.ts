import { join } from 'node:path';
import { Metadata, Root } from '@tufjs/models';
import { RomctlError } from '../../errors.js';
import { loadKeys, ROLES, signerOf, type RoleName, type SigningKey } from './keys.js';
import { expiresIn, metadataBytes, METADATA_DIR, readMetadata, writeAtomically } from './metadata-files.js';

export interface SignRootOptions {
  /** the key folder whose public keys the new root lists (and whose root keys sign it) */
  keys: string;
  /** the published tree: its `metadata/root.json` is the root being replaced, if any */
  tree: string;
  /** the key folder of the root being replaced, when its root keys are not in `keys` (key rotation) */
  oldKeys?: string;
  /** signatures each role needs; default 1 */
  thresholds?: Partial<Record<RoleName, number>>;
  /** days until the root expires; default 365 */
  expiresDays?: number;
}

export interface SignedRoot {
  version: number;
  file: string;
  keys: Record<RoleName, string[]>;
}

/**
 * Writes the next version of the root metadata: every key of the key folder for its role, the thresholds,
 * consistent snapshots. As TUF requires for a rotation, the new root is signed by a threshold of the keys of
 * the root it replaces and a threshold of its own root keys; both are checked before anything is written.
 */
export async function signRoot(options: SignRootOptions): Promise<SignedRoot> {
  const previous = await readMetadata(options.tree, 'root');
  const version = (previous?.signed.version ?? 0) + 1;
  const roleKeys = {} as Record<RoleName, SigningKey[]>;
  for (const role of ROLES) {
    roleKeys[role] = await loadKeys(options.keys, role);
    const threshold = options.thresholds?.[role] ?? 1;
    if (roleKeys[role].length < threshold) {
      throw new RomctlError(
        `the ${role} role needs ${threshold} key${threshold === 1 ? '' : 's'}, the key folder has ${roleKeys[role].length}`,
        { where: join(options.keys, role), hint: `make one with romctl registry keygen --keys ${options.keys} --role ${role}` },
      );
    }
  }
  const allKeys = ROLES.flatMap((role) => roleKeys[role].map(({ key }) => key));
  const root = Root.fromJSON({
    _type: 'root',
    spec_version: '1.0.31',
    version,
    expires: expiresIn(options.expiresDays ?? 365),
    consistent_snapshot: true,
    keys: Object.fromEntries(allKeys.map((key) => [key.keyID, key.toJSON()])),
    roles: Object.fromEntries(
      ROLES.map((role) => [
        role,
        { keyids: roleKeys[role].map(({ key }) => key.keyID), threshold: options.thresholds?.[role] ?? 1 },
      ]),
    ),
  });
  const metadata = new Metadata(root);
  const oldRootKeys = options.oldKeys === undefined ? [] : await loadKeys(options.oldKeys, 'root');
  const trustedBefore = new Set(previous?.signed.roles.root?.keyIDs ?? []);
  const signers = new Map<string, SigningKey>();
  for (const signing of [...roleKeys.root, ...oldRootKeys]) {
    if (root.roles.root?.keyIDs.includes(signing.key.keyID) || trustedBefore.has(signing.key.keyID)) {
      signers.set(signing.key.keyID, signing);
    }
  }
  for (const signing of signers.values()) metadata.sign(signerOf(signing), true);
  try {
    metadata.verifyDelegate('root', metadata);
  } catch (error) {
    throw new RomctlError(`the new root is not signed by enough of its own root keys: ${(error as Error).message}`, {
      where: options.keys,
    });
  }
  try {
    previous?.verifyDelegate('root', metadata);
  } catch (error) {
    throw new RomctlError(
      `the new root is not signed by enough keys of root version ${version - 1}: ${(error as Error).message}`,
      { where: options.tree, hint: 'give the old root keys with --old-keys <dir>, as TUF key rotation requires' },
    );
  }
  const bytes = metadataBytes(metadata);
  const file = join(options.tree, METADATA_DIR, `${version}.root.json`);
  await writeAtomically(file, bytes);
  await writeAtomically(join(options.tree, METADATA_DIR, 'root.json'), bytes);
  const keys = Object.fromEntries(ROLES.map((role) => [role, roleKeys[role].map(({ key }) => key.keyID)]));
  return { version, file, keys: keys as Record<RoleName, string[]> };
}
