import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyPorts, listSerialPorts } from '../../src/engine/detect.js';

describe('detect', () => {
  it('classifies MTK download ports by mode and names phones of other makers', () => {
    const found = classifyPorts([
      { path: '/dev/ttyACM0', vendorId: '0e8d', productId: '0003' },
      { path: '/dev/ttyACM1', vendorId: '0E8D', productId: '2000' },
      { path: '/dev/ttyACM2', vendorId: '0e8d', productId: '2001' },
      { path: 'COM7', vendorId: '0fce', productId: 'f200' },
      { path: '/dev/ttyUSB0', vendorId: '05c6', productId: '9008' },
      { path: '/dev/ttyACM3', vendorId: '04e8', productId: '685d' },
      { path: '/dev/ttyACM4', vendorId: '0e8d', productId: '2008' },
      { path: '/dev/ttyUSB1', vendorId: '1a86', productId: '7523' },
      { path: '/dev/ttyS0' },
      { path: '/dev/ttyACM9', vendorId: '2341', productId: '0043' },
    ]);
    expect(found.map((p) => [p.path, p.usbId, p.kind, p.mode])).toEqual([
      ['/dev/ttyACM0', '0e8d:0003', 'mtk-brom', 'brom'],
      ['/dev/ttyACM1', '0e8d:2000', 'mtk-preloader', 'preloader'],
      ['/dev/ttyACM2', '0e8d:2001', 'mtk-da', 'da'],
      ['COM7', '0fce:f200', 'mtk-brom', 'brom'],
      ['/dev/ttyUSB0', '05c6:9008', 'qualcomm-edl', null],
      ['/dev/ttyACM3', '04e8:685d', 'samsung-download', null],
      ['/dev/ttyACM4', '0e8d:2008', 'mtk-other', null],
      ['/dev/ttyUSB1', '1a86:7523', 'uart-bridge', null],
    ]);
    expect(found[4]?.label).toBe('Qualcomm EDL 05c6:9008');
    expect(found[4]?.note).toBe('not an MTK phone: romctl does not flash it');
    expect(found[5]?.note).toMatch(/not an MTK phone.*Odin or Heimdall/);
  });

  it('reads USB ids from a sysfs tree on Linux', async () => {
    if (process.platform !== 'linux') return;
    const root = await mkdtemp(join(tmpdir(), 'romctl-sysfs-'));
    const usbDevice = join(root, 'devices', 'usb1', '1-1');
    await mkdir(join(usbDevice, '1-1:1.0'), { recursive: true });
    await writeFile(join(usbDevice, 'idVendor'), '0e8d\n');
    await writeFile(join(usbDevice, 'idProduct'), '2000\n');
    await mkdir(join(root, 'tty', 'ttyACM0'), { recursive: true });
    await symlink(join(usbDevice, '1-1:1.0'), join(root, 'tty', 'ttyACM0', 'device'));
    await mkdir(join(root, 'tty', 'tty1'), { recursive: true });
    const ports = await listSerialPorts(join(root, 'tty'));
    expect(ports).toEqual([
      {
        path: '/dev/ttyACM0',
        vendorId: '0e8d',
        productId: '2000',
        manufacturer: undefined,
        product: undefined,
      },
    ]);
    expect(classifyPorts(ports)[0]?.mode).toBe('preloader');
    await rm(root, { recursive: true, force: true });
  });
});
