import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildDaContainer,
  readSimDaIdentity,
  SIM_DA2_ADDRESS,
  SIM_DA_SIGNATURE_LENGTH,
  simDaStages,
} from '../../src/engine/da/container-build.js';
import { daStages, entryProtocol, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { RomctlError } from '../../src/errors.js';

const corpusV6 = fileURLToPath(new URL('../../../shared/corpus/da/v6_DA_BR_1172.bin', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

describe('generated V6 (XML) Download Agents', () => {
  it('write a V6 container whose entries parse as XML, DA1 carrying the hash and load address of DA2', () => {
    const file = buildDaContainer({
      entries: [
        { hwCode: 0x1208, protocol: 'xml' },
        { hwCode: 0x6833, protocol: 'xml' },
      ],
    });
    const container = parseDaContainer(file);
    expect(container.v6).toBe(true);
    expect(container.identifier).toMatch(/^MTK_DA_v6/);
    const entry = pickDaEntry(container, { hwCode: 0x989, daCode: 0x6833 });
    expect(entryProtocol(container, entry)).toBe('xml');
    const { da1, da2 } = daStages(file, entry, 'xml');
    expect(da2.bytes.length).toBe(da2.length - SIM_DA_SIGNATURE_LENGTH);
    expect(readSimDaIdentity(da1.bytes)).toEqual({
      stage: 1,
      protocol: 'xml',
      hwCode: 0x6833,
      loadAddress: da1.loadAddress,
      da2Sha256: sha256(da2.bytes).toString('hex'),
      da2LoadAddress: SIM_DA2_ADDRESS,
    });
    expect(da2.loadAddress).toBe(SIM_DA2_ADDRESS);
    expect(readSimDaIdentity(simDaStages(0x1208, 'xml').da2)).toMatchObject({ stage: 2, protocol: 'xml' });
  });

  it('refuse to mix XML entries with XFlash ones in one file', () => {
    expect(() =>
      buildDaContainer({ entries: [{ hwCode: 0x1208, protocol: 'xml' }, { hwCode: 0x6797 }] }),
    ).toThrow(RomctlError);
  });
});

describe.skipIf(!existsSync(corpusV6))('the real V6 DA (skipped when ../shared/corpus/da is absent)', () => {
  it('parses as XML; DA1 and DA2 are what an XML client uploads, DA1 holding the SHA-256 of DA2', () => {
    const file = new Uint8Array(readFileSync(corpusV6));
    const container = parseDaContainer(file);
    expect(container.identifier).toBe('MTK_DA_v6_2022-04-02 23:43:58');
    const entry = pickDaEntry(container, { hwCode: 0x1172, daCode: 0x1172 });
    expect(entryProtocol(container, entry)).toBe('xml');
    const { da1, da2 } = daStages(file, entry, 'xml');
    // SEND_DA: region[1] whole (signature included) at 0x2000000; BOOT-TO: region[2] without its signature
    expect([da1.loadAddress, da1.bytes.length, da1.signatureLength]).toEqual([0x2000000, 0x86540, 0x100]);
    expect([da2.loadAddress, da2.bytes.length]).toEqual([0x40000000, 0x51214 - 0x100]);
    // V6 keeps DA2's hash at len(DA1) - sig_len - 0x30 (mtkclient compute_hash_pos)
    const at = da1.bytes.length - da1.signatureLength - 0x30;
    expect(Buffer.from(da1.bytes.subarray(at, at + 32)).equals(sha256(da2.bytes))).toBe(true);
  });
});
