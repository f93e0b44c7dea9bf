import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BromStatusError } from '../../src/engine/brom.js';
import { readSlaKey, slaResponse } from '../../src/engine/sla.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import { SimPhone, resolveSimProfile, type SimProfile } from '../../src/sim/index.js';
import { xflashDaServer } from '../../src/sim/da-xflash.js';
import { bench } from '../sim/fixtures.js';
import { checked, flashOnce, nikelPackage, workspace } from './flash-helpers.js';

const ws = workspace('secure-boot');
const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

const vendor = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: typeof vendor.privateKey) => key.export({ type: 'pkcs1', format: 'pem' }) as string;
const authFile = Buffer.from('ROMCTL-TEST-AUTH-FILE for one phone model\n'.repeat(40));
const otherAuth = Buffer.from('an auth file for another model\n'.repeat(40));

/** nikel with secure boot switched on as target config `bits` says, trusting `vendor` and `authFile` */
function securePhone(bits: number, daSla = false): SimProfile {
  return {
    ...resolveSimProfile('nikel'),
    targetConfig: bits,
    security: {
      authFileSha256: createHash('sha256').update(authFile).digest('hex'),
      slaPublicKey: vendor.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ...(daSla ? { daSlaPrivateKey: pem(vendor.privateKey) } : {}),
    },
  };
}

describe('the BROM side of SLA and DAA (reference §2.3)', () => {
  it('SLA: the challenge signed with the vendor key opens SEND_DA; a stranger key does not', async () => {
    const good = await bench({ profile: securePhone(0x02) });
    await good.client.handshake();
    await expect(good.client.sendDa(0x200000, new Uint8Array(64), 0)).rejects.toMatchObject({
      status: 0x1d0d,
    });
    expect(
      await good.client.answerSla((c) => slaResponse(c, readSlaKey(pem(vendor.privateKey), 'key.pem'))),
    ).toBe(true);
    await good.client.sendDa(0x200000, new Uint8Array(64), 0);
    await good.close();

    const bad = await bench({ profile: securePhone(0x02) });
    await bad.client.handshake();
    const error = await bad.client
      .answerSla((c) => slaResponse(c, stranger.privateKey))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BromStatusError);
    expect((error as BromStatusError).status).toBe(0x1d0d);
    await expect(bad.client.sendDa(0x200000, new Uint8Array(64), 0)).rejects.toMatchObject({
      status: 0x1d0d,
    });
    await bad.close();
  });

  it('DAA: the right auth file opens SEND_DA; another is ERR_SIG_CHK_FAIL and the DA stays refused', async () => {
    const good = await bench({ profile: securePhone(0x05) });
    await good.client.handshake();
    await expect(good.client.sendDa(0x200000, new Uint8Array(64), 0x10)).rejects.toMatchObject({
      status: 0x1d17,
    });
    expect(await good.client.sendAuth(authFile)).toBe(true);
    await good.client.sendDa(0x200000, new Uint8Array(64), 0x10);
    await good.close();

    const bad = await bench({ profile: securePhone(0x05) });
    await bad.client.handshake();
    await expect(bad.client.sendAuth(otherAuth)).rejects.toMatchObject({ status: 0x6005 });
    await expect(bad.client.sendDa(0x200000, new Uint8Array(64), 0x10)).rejects.toMatchObject({
      status: 0x1d17,
    });
    await bad.close();
  });

  it('a phone without SLA or DAA says so (0x7017, 0x1D0C) and both exchanges stay in step', async () => {
    const b = await bench();
    await b.client.handshake();
    expect(await b.client.answerSla(() => new Uint8Array(256))).toBe(false);
    expect(await b.client.sendAuth(authFile)).toBe(false);
    expect((await b.client.getHwCode()).hwCode).toBe(0x279);
    await b.close();
  });

  it('a key file that is not an RSA private key is bad input', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => readSlaKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }), 'ec.pem')).toThrow(
      /not an RSA private key/,
    );
    expect(() => readSlaKey('hello', 'x.pem')).toThrow(RomctlError);
  });
});

describe('a whole flash of a secure-boot phone', () => {
  const cases = [
    { bits: 0x02, credentials: { slaKey: vendor.privateKey }, name: 'SLA with the vendor key' },
    {
      bits: 0x00,
      daSla: true,
      credentials: { slaKey: vendor.privateKey },
      name: 'DA-level SLA with the vendor key',
    },
    { bits: 0x05, credentials: { auth: authFile }, name: 'SBC+DAA with the auth file' },
    { bits: 0x07, credentials: { auth: authFile, slaKey: vendor.privateKey }, name: 'SBC+SLA+DAA with both' },
  ];

  it.each(cases)('$name: flashes and the phone boots', async ({ bits, credentials, ...rest }) => {
    const daSla = 'daSla' in rest;
    const prepared = await checked(await nikelPackage(ws.path(`ok-${bits}-${daSla}`)), 'download');
    const phone = await SimPhone.create({ profile: securePhone(bits, daSla), daServer: xflashDaServer });
    phones.push(phone);
    const result = await flashOnce(phone, prepared, {
      backupDir: ws.path(`b-ok-${bits}-${daSla}`),
      credentials,
    });
    await prepared.pkg.close();
    expect(result.steps.filter((s) => s.state === 'done').length).toBeGreaterThan(3);
    expect(phone.storage.writtenBytes).toBeGreaterThan(0);
  });

  it.each([
    { bits: 0x02, credentials: {}, message: /has SLA on.*give SLA: the vendor key/ },
    { bits: 0x05, credentials: {}, message: /has DAA on.*give DAA: its auth file/ },
    { bits: 0x02, credentials: { slaKey: stranger.privateKey }, message: /refused the SLA key/ },
    { bits: 0x05, credentials: { auth: otherAuth }, message: /refused the auth file/ },
    { bits: 0x00, daSla: true, credentials: {}, message: /DA has SLA on and no SLA key was given/ },
    {
      bits: 0x00,
      daSla: true,
      credentials: { slaKey: stranger.privateKey },
      message: /DA has SLA on and refused/,
    },
  ])('refused with nothing written: $message', async ({ bits, credentials, message, ...rest }) => {
    const daSla = 'daSla' in rest;
    const name = `${bits}-${String(message).replace(/\W+/g, '')}`;
    const prepared = await checked(await nikelPackage(ws.path(`no-${name}`)), 'download');
    const phone = await SimPhone.create({ profile: securePhone(bits, daSla), daServer: xflashDaServer });
    phones.push(phone);
    const error = await flashOnce(phone, prepared, { backupDir: ws.path(`b-no-${name}`), credentials }).catch(
      (e: unknown) => e as RomctlError,
    );
    await prepared.pkg.close();
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(/^security\.auth-needed: /);
    expect((error as RomctlError).oneLine()).toMatch(message);
    if (!daSla) expect(phone.uploads.filter((u) => u.status === 0)).toEqual([]);
    expect(phone.storage.writtenBytes).toBe(0);
  });
});
