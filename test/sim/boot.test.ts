import { describe, expect, it } from 'vitest';
import { buildPreloader } from '../../src/formats/preloader/index.js';
import { SimPhone } from '../../src/sim/phone.js';
import { resolveSimProfile } from '../../src/sim/profiles.js';
import { NIKEL_RECORD, nikelPreloader } from './fixtures.js';

async function bootWith(boot1: Uint8Array | null, profile = 'nikel') {
  const phone = await SimPhone.create({ profile: resolveSimProfile(profile) });
  if (boot1) await phone.storage.write('boot1', 0, boot1);
  const decision = await phone.reboot();
  const usb = phone.usbId.productId;
  await phone.close();
  return { ...decision, usb };
}

describe('simulated boot decision', () => {
  it('boots a matching preloader into preloader mode (0e8d:2000), as a boot area or a bare file', async () => {
    for (const bootArea of ['emmc', null] as const) {
      const result = await bootWith(nikelPreloader({ bootArea }));
      expect(result.mode).toBe('preloader');
      expect(result.usb).toBe(0x2000);
      expect(result.reason).toMatch(/record 1 .*matches/);
    }
  });

  it('stays in BROM (0e8d:0003) with a blank boot1', async () => {
    expect(await bootWith(null)).toMatchObject({
      mode: 'brom',
      usb: 0x0003,
      reason: 'boot1 is empty: no preloader',
    });
  });

  it('stays in BROM with a preloader built for another chip', async () => {
    const result = await bootWith(nikelPreloader({ platform: 'MT6589', fileName: 'preloader_p780.bin' }));
    expect(result.mode).toBe('brom');
    expect(result.reason).toMatch(/built for MT6589, this phone is an MT6797/);
  });

  it('reads the chip from the file name when the ROM info carries the MT6752 placeholder', async () => {
    const result = await bootWith(
      nikelPreloader({ platform: 'MT6752', fileName: 'preloader_k6893v1_64.bin' }),
    );
    expect(result.reason).toMatch(/built for MT6893/);
  });

  it('stays in BROM when no EMI record fits the memory (the classic brick)', async () => {
    const other = buildPreloader({
      fileName: 'preloader_nikel.bin',
      platform: 'MT6797',
      bloaderVersion: 0,
      records: [
        { ...NIKEL_RECORD, dramVendorId: 0xff },
        { ...NIKEL_RECORD, dramVendorId: 0x06 },
      ],
      bootArea: 'emmc',
    });
    const result = await bootWith(other);
    expect(result.mode).toBe('brom');
    expect(result.reason).toMatch(/DRAM init fails.*none of the 2 EMI records/);
  });

  it('stays in BROM when boot1 holds something that is not a preloader', async () => {
    const result = await bootWith(new TextEncoder().encode('ANDROID! not a preloader at all'));
    expect(result.mode).toBe('brom');
    expect(result.reason).toMatch(/^boot1 holds no preloader/);
  });

  it('boots P780 from an eMMC-MCP record matching its CID, and not from one for another eMMC', async () => {
    const p780 = (id: string) =>
      buildPreloader({
        fileName: 'preloader_p780.bin',
        platform: 'MT6589',
        bloaderVersion: 10,
        records: [{ package: 'emmc-mcp', dram: 'LPDDR2', id, rankSizes: [512n << 20n, 512n << 20n] }],
      });
    expect((await bootWith(p780('90014a4834473164'), 'P780')).mode).toBe('preloader');
    expect((await bootWith(p780('150100483447316400'), 'P780')).mode).toBe('brom');
  });

  it('enters BROM when the download key is held, whatever boot1 holds', async () => {
    const phone = await SimPhone.create({ profile: resolveSimProfile('nikel') });
    await phone.storage.write('boot1', 0, nikelPreloader());
    expect((await phone.reboot({ holdDownloadKey: true })).mode).toBe('brom');
    expect((await phone.reboot()).mode).toBe('preloader');
    await phone.close();
  });
});
