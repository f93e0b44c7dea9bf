/**
 * The BROM SLA answer (fact from mtkclient `Library/Auth/sla.py`, `generate_brom_sla_challenge`): the challenge's
 * 16-bit words byte-swapped, signed with the vendor's RSA private key using PKCS#1 v1.5 type-1 padding and no
 * digest (a raw private-key operation), and the result byte-swapped again.
 */
import { constants, createPrivateKey, privateEncrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { ExitCode, RomctlError } from '../errors.js';

/** swaps the two bytes of every 16-bit word (an odd tail byte stays) */
export function swap16(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i + 1 < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1] as number, out[i] as number];
  return out;
}

export function slaResponse(challenge: Uint8Array, key: KeyObject): Buffer {
  return swap16(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, swap16(challenge)));
}

/**
 * The DA-level SLA answer (mtkclient `generate_da_sla_signature`; XFlash SET_REMOTE_SEC_POLICY, XML
 * SECURITY-SET-FLASH-POLICY): the DA's random bytes encrypted with the vendor key, RSA-OAEP with SHA-256.
 */
export function daSlaAnswer(key: KeyObject, random: Uint8Array): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, random);
}

/** a PEM (PKCS#1 or PKCS#8) RSA private key, as the user gives it with --sla-key */
export function readSlaKey(pem: string | Uint8Array, where: string): KeyObject {
  try {
    const key = createPrivateKey({ key: Buffer.from(pem), format: 'pem' });
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (error) {
    throw new RomctlError(`not an RSA private key in PEM form (${(error as Error).message.split('\n')[0]})`, {
      exitCode: ExitCode.badInput,
      where,
      hint: 'give the vendor SLA key as a PEM file (-----BEGIN RSA PRIVATE KEY----- or PRIVATE KEY)',
      cause: error,
    });
  }
}
