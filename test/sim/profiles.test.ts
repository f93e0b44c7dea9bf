import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { parseGptEntries, parseGptHeader } from '../../src/engine/da/gpt.js';
import { buildPreloader } from '../../src/formats/preloader/index.js';
import { SimPhone } from '../../src/sim/phone.js';
import { listSimProfiles, memoryOf, resolveSimProfile } from '../../src/sim/profiles.js';

describe('simulated phone profiles', () => {
  it('has nikel (MT6797, hw code 0x279, eMMC, discrete LPDDR3) and P780 (MT6589, 0x6583)', () => {
    const nikel = resolveSimProfile('nikel');
    expect(nikel.chip.hwCode).toBe(0x279);
    expect(memoryOf(nikel)).toMatchObject({ storage: { kind: 'emmc' }, dram: 'LPDDR3', dramVendorId: 1 });
    expect(resolveSimProfile('p780').chip.hwCode).toBe(0x6583);
    expect(listSimProfiles()).toEqual([
      'nikel',
      'P780',
      'oppo6833',
      'tulip',
      'oppo6833-ufs',
      'oppo6833-emmc',
      'generic',
    ]);
  });

  it('has an MT6833 board with UFS and one with eMMC, both XFlash, with the ids one real preloader lists', () => {
    const ufs = resolveSimProfile('oppo6833-ufs');
    const emmc = resolveSimProfile('OPPO6833-EMMC');
    expect([ufs.chip.hwCode, ufs.chip.daProtocol]).toEqual([0x989, 'xflash']);
    expect(memoryOf(ufs)).toMatchObject({ storage: { kind: 'ufs' }, dram: 'LPDDR4X', dramVendorId: 1 });
    // UFS ids are the product name in ASCII
    expect(Buffer.from(ufs.storage.id, 'hex').toString('latin1')).toBe('KM2V8001CM-B707');
    expect(memoryOf(emmc)).toMatchObject({ storage: { kind: 'emmc' }, dram: 'LPDDR4X', dramVendorId: 0xff });
    expect(emmc.storage.id.slice(0, 18)).toBe('13014e47314a395139');
  });

  it('builds a phone from a spec string', () => {
    const p = resolveSimProfile('mt6797:emmc:150100524836344d42:lpddr3:0x06:2x2G');
    expect(p.chip.names[0]).toBe('MT6797');
    expect(p.dram).toEqual({ type: 'LPDDR3', vendorId: 6, rankSizes: [2n << 30n, 2n << 30n] });
    expect(p.storage.id).toBe('150100524836344d42');
    expect(resolveSimProfile('0x766:ufs:4b4c5546:lpddr4x:0x01:1x4G').chip.names[0]).toBe('MT6765');
  });

  it('explains a bad name or spec', () => {
    for (const bad of [
      'nokia',
      'mt6797:emmc:zz:lpddr3:0x01:2x1G',
      'mt9999:emmc:15:lpddr3:0x01:2x1G',
      'mt6797:sd:15:lpddr3:1:1G',
      'a:b',
    ]) {
      expect(() => resolveSimProfile(bad)).toThrow(RomctlError);
    }
  });

  it('has V6 phones as sold: an MT6833 with UFS and an MT6789 with eMMC, booting their own preloader', async () => {
    const cases = [
      { name: 'oppo6833', hwCode: 0x989, kind: 'ufs', block: 4096, first: 'recovery' },
      { name: 'tulip', hwCode: 0x1208, kind: 'emmc', block: 512, first: 'lenovolock' },
    ] as const;
    for (const c of cases) {
      const profile = resolveSimProfile(c.name);
      expect(profile.chip.hwCode).toBe(c.hwCode);
      expect(profile.storage.kind).toBe(c.kind);
      const phone = await SimPhone.create({ profile });
      try {
        expect(phone.lastBoot.mode, phone.lastBoot.reason).toBe('preloader');
        // the GPT sits in the user area (UFS_LU2 on UFS) with the part's own sector size
        const header = parseGptHeader(await phone.storage.read('user', c.block, c.block), c.block, c.name);
        expect(header?.blockSize).toBe(c.block);
        const entries = await phone.storage.read('user', Number(header!.entriesLba) * c.block, 128 * 128);
        expect(parseGptEntries(header!, entries, c.name).partitions[0]?.name).toBe(c.first);
        // the same preloader in both boot partitions (boot LUs 0 and 1 on UFS)
        const boot1 = await phone.storage.read('boot1', 0, 0x10000);
        expect(Buffer.from(await phone.storage.read('boot2', 0, 0x10000)).equals(Buffer.from(boot1))).toBe(
          true,
        );
        // a preloader for another memory in the boot area: the phone stays in BROM
        const foreign = buildPreloader({
          fileName: 'preloader_other.bin',
          platform: profile.chip.names[0],
          bloaderVersion: 46,
          records: [
            { package: 'emmc-mcp', dram: 'LPDDR4X', id: '150100444836444142', rankSizes: [1n << 31n] },
          ],
          bootArea: c.kind,
        });
        await phone.storage.write('boot1', 0, foreign);
        expect((await phone.reboot()).mode).toBe('brom');
      } finally {
        await phone.close();
      }
    }
  });
});
