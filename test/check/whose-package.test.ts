/**
 * Whose package is this? The forum's nikel user installed a Snapdragon (mido) ROM from recovery; the S580 owner
 * was told to use SP Flash Tool on a Qualcomm phone. The check names the device a package is for.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPackage } from '../../src/check/index.js';
import { openPackage, readPackageIdentity } from '../../src/package/index.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { buildRomFolder, romSpecForDevice } from '../../src/testkit/rom-builder.js';
import { buildTgz, buildZip, scratchFolder } from '../builders/archives.js';

async function device(codename: string) {
  return (await deviceFactsFor(await openRegistry({}), codename, 'any')).facts;
}

/** a Qualcomm recovery zip as Xiaomi built them for mido */
const midoOta = buildZip([
  { name: 'META-INF/com/google/android/update-binary', data: 'binary' },
  {
    name: 'META-INF/com/google/android/updater-script',
    data:
      'assert(getprop("ro.product.device") == "mido" || getprop("ro.build.product") == "mido" || ' +
      'abort("E3004: This package is for \\"mido\\" devices; this is a \\"" + getprop("ro.product.device") + "\\"."););\n' +
      'package_extract_file("firmware-update/NON-HLOS.bin", "/dev/block/bootdevice/by-name/modem");\n',
  },
  { name: 'firmware-update/NON-HLOS.bin', data: 'modem' },
  { name: 'firmware-update/emmc_appsboot.mbn', data: 'aboot' },
  { name: 'system/build.prop', data: 'ro.product.device=mido\nro.product.model=Redmi Note 4X\n' },
]);

/** a MiFlash fastboot package for mido */
const midoFastboot = buildTgz([
  {
    name: 'mido_images_7.9.22_20170922.0000.00_7.0_cn/flash_all.sh',
    data: 'fastboot $* getvar product 2>&1 | grep "^product: *mido"\nif [ $? -ne 0 ] ; then echo "Missmatching image and device"; exit 1; fi\n',
  },
  {
    name: 'mido_images_7.9.22_20170922.0000.00_7.0_cn/flash_all.bat',
    data: 'fastboot %* getvar product 2>&1 | findstr /r /c:"^product: *mido" || @echo "Missmatching image and device"\n',
  },
  { name: 'mido_images_7.9.22_20170922.0000.00_7.0_cn/images/NON-HLOS.bin', data: 'modem' },
  { name: 'mido_images_7.9.22_20170922.0000.00_7.0_cn/images/emmc_appsboot.mbn', data: 'aboot' },
]);

describe('whose package is this', () => {
  it('a mido recovery zip checked for nikel is named as mido’s (Qualcomm Redmi Note 4X), not installable advice', async () => {
    const dir = await scratchFolder();
    const path = join(dir, 'miui_MIDOGlobal_V9.5.6.0.zip');
    await writeFile(path, midoOta);
    const report = await checkPackage(path, { device: await device('nikel') });
    const other = report.findings.find((f) => f.code === 'package.other-device');
    expect(other?.severity).toBe('error');
    expect(other?.message).toMatch(
      /^this package is for mido \(Qualcomm Redmi Note 4X\), not nikel \(MediaTek MT6797\): META-INF\/com\/google\/android\/updater-script asserts ro\.product\.device == "mido"/,
    );
    const kind = report.findings.find((f) => f.code === 'package.not-mtk');
    expect(kind?.message).toMatch(/never on another phone — this package is for mido/);
    expect(kind?.message).not.toMatch(/install it from recovery/);
    expect(report.verdict).toBe('refuse');
  });

  it('a mido MiFlash fastboot package is named by its flash_all product checks and its folder name', async () => {
    const dir = await scratchFolder();
    const path = join(dir, 'mido_images_7.9.22_20170922.0000.00_7.0_cn_a5c5c6a1e2.tgz');
    await writeFile(path, midoFastboot);
    const report = await checkPackage(path, { device: await device('nikel') });
    const other = report.findings.find((f) => f.code === 'package.other-device');
    expect(other?.message).toMatch(/^this package is for mido \(Qualcomm\), not nikel \(MediaTek MT6797\)/);
    expect(other?.message).toMatch(/MiFlash name mido_images_7\.9\.22/);
    expect(other?.message).toMatch(/flash_all\.sh checks the phone's product is mido/);
    expect(other?.message).toMatch(/flash_all\.bat checks the phone's product is mido/);
  });

  it('the same packages checked for mido itself carry no other-device finding', async () => {
    const dir = await scratchFolder();
    const path = join(dir, 'mido.tgz');
    await writeFile(path, midoFastboot);
    const report = await checkPackage(path, { device: await device('mido') });
    expect(report.findings.map((f) => f.code)).not.toContain('package.other-device');
  });

  it('an MTK package of another project than the device’s is an error naming both', async () => {
    const nikel = await device('nikel');
    const { profile } = await deviceFactsFor(await openRegistry({}), 'nikel');
    const spec = romSpecForDevice(profile);
    spec.project = 'k62v1_64_bsp';
    const dir = (await buildRomFolder(spec, join(await scratchFolder(), 'other-project'))).dir;
    const report = await checkPackage(dir, { device: nikel });
    expect(report.findings.find((f) => f.code === 'device.scatter-project')?.message).toBe(
      'the scatter is for project k62v1_64_bsp, nikel is built as nikel or lcsh6797_6c_lw_m',
    );
  });

  it('S580: an MTK package for a Qualcomm phone is told it is Qualcomm', async () => {
    const { profile } = await deviceFactsFor(await openRegistry({}), 'nikel');
    const dir = (await buildRomFolder(romSpecForDevice(profile), join(await scratchFolder(), 's580'))).dir;
    const report = await checkPackage(dir, { device: await device('S580') });
    expect(report.findings.find((f) => f.code === 'package.platform-mismatch')?.message).toMatch(
      /^this is not an MTK phone: .*S580.* is a qualcomm device \(Snapdragon 200\)/,
    );
  });
});

describe('the identity reader on hostile text', () => {
  it('any updater-script, flash_all or build.prop content yields claims or none, never a crash', async () => {
    const dir = await scratchFolder();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), fc.string({ maxLength: 200 }), async (script, prop) => {
        const path = join(dir, 'fuzz.zip');
        await writeFile(
          path,
          buildZip([
            {
              name: 'META-INF/com/google/android/updater-script',
              data: `assert(getprop("ro.product.device") == "${script}");${script}`,
            },
            { name: 'flash_all.sh', data: `grep "^product: *${script}"\n${script}` },
            { name: 'build.prop', data: `ro.product.device=${prop}\nro.product.model=${prop}\n${prop}` },
          ]),
        );
        const view = await openPackage(path);
        try {
          const identity = await readPackageIdentity(view);
          for (const claim of identity.claims) expect(claim.codename).toBe(claim.codename.toLowerCase());
        } finally {
          await view.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
