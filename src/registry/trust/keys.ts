import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Signature } from '@tufjs/models';
import { RomctlError } from '../../errors.js';

/** The four top-level roles of The Update Framework, each with its own keys. */
export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

/** An ed25519 key a maintainer holds: its TUF public form and the private key that signs with it. */
export interface SigningKey {
  key: Key;
  privateKey: KeyObject;
}

export function isRole(name: string): name is RoleName {
  return (ROLES as readonly string[]).includes(name);
}

/** The TUF public key: the raw 32-byte ed25519 key in hex, its id the sha256 of the key's canonical JSON (spec §4.2). */
function publicKeyOf(privateKey: KeyObject): Key {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const keyVal = { public: Buffer.from(jwk.x as string, 'base64url').toString('hex') };
  const keyID = createHash('sha256')
    .update(canonicalize({ keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal }))
    .digest('hex');
  return new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal });
}

/** Signs TUF metadata's canonical bytes (Metadata.sign hands them over). */
export function signerOf(signing: SigningKey): (data: Buffer) => Signature {
  return (data) => new Signature({ keyID: signing.key.keyID, sig: sign(null, data, signing.privateKey).toString('hex') });
}

/** A new ed25519 key for `role`, written as `<dir>/<role>/<keyid>.pem` (PKCS #8, readable by its owner only). */
export async function generateKey(dir: string, role: RoleName): Promise<{ key: Key; file: string }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = publicKeyOf(privateKey);
  const folder = join(dir, role);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = join(folder, `${key.keyID}.pem`);
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return { key, file };
}

/** Every key of `role` in a key folder (`<dir>/<role>/*.pem`); none when the folder has no such role. */
export async function loadKeys(dir: string, role: RoleName): Promise<SigningKey[]> {
  const folder = join(dir, role);
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new RomctlError(`cannot read the key folder: ${error.code ?? error.message}`, { where: folder });
  });
  const keys: SigningKey[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.pem')).sort()) {
    const file = join(folder, name);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(await readFile(file));
    } catch (error) {
      throw new RomctlError(`not a private key: ${(error as Error).message}`, {
        where: file,
        hint: 'key folders hold the PEM files romctl registry keygen writes',
      });
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new RomctlError(`a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not ed25519`, { where: file });
    }
    keys.push({ key: publicKeyOf(privateKey), privateKey });
  }
  return keys;
}
