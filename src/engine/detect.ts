import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A serial port as the OS lists it; ids are hex strings as `serialport` gives them (`0e8d`, `2000`). */
export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
}

export type PortKind =
  'mtk-brom' | 'mtk-preloader' | 'mtk-da' | 'mtk-other' | 'uart-bridge' | 'qualcomm-edl' | 'samsung-download';

export interface DetectedPort {
  path: string;
  /** `0e8d:2000` */
  usbId: string;
  kind: PortKind;
  /** the MTK protocol this port speaks, null for everything that is not an MTK download port */
  mode: 'brom' | 'preloader' | 'da' | null;
  label: string;
  note: string | null;
}

type Entry = { kind: PortKind; label: string; note?: string };

const NOT_MTK = 'not an MTK phone: romctl does not flash it';

/** reference §1.1 */
const KNOWN: Record<string, Entry> = {
  '0e8d:0003': { kind: 'mtk-brom', label: 'MediaTek BROM download port ("MTK USB Port")' },
  '0e8d:2000': { kind: 'mtk-preloader', label: 'MediaTek preloader port' },
  '0e8d:2001': { kind: 'mtk-da', label: 'MediaTek DA high-speed port' },
  '0e8d:20ff': { kind: 'mtk-preloader', label: 'MediaTek preloader port' },
  '0e8d:3000': { kind: 'mtk-preloader', label: 'MediaTek preloader port' },
  '0e8d:6000': { kind: 'mtk-preloader', label: 'MediaTek preloader port (composite, interface 2)' },
  '1004:6000': { kind: 'mtk-preloader', label: 'LG composite preloader/DA port' },
  '22d9:0006': { kind: 'mtk-preloader', label: 'OPPO preloader port' },
  ...Object.fromEntries(
    ['f200', 'd1e9', 'd1e2', 'd1ec', 'd1dd'].map((pid) => [
      `0fce:${pid}`,
      { kind: 'mtk-brom', label: 'Sony phone in MediaTek BROM mode' } satisfies Entry,
    ]),
  ),
  ...Object.fromEntries(
    [
      '0403:6001',
      '1a86:55d3',
      '1a86:7523',
      '1a86:5523',
      '1a86:5512',
      '4348:5523',
      '10c4:ea60',
      '11ca:0211',
    ].map((id) => [
      id,
      {
        kind: 'uart-bridge',
        label: 'USB-UART bridge',
        note: 'only IoT/feature-phone MediaTek chips download over UART',
      } satisfies Entry,
    ]),
  ),
  '05c6:9008': { kind: 'qualcomm-edl', label: 'Qualcomm EDL 05c6:9008', note: NOT_MTK },
  ...Object.fromEntries(
    ['685d', '6601', '68c3'].map((pid) => [
      `04e8:${pid}`,
      { kind: 'samsung-download', label: 'Samsung download mode', note: `${NOT_MTK} (use Odin or Heimdall)` },
    ]),
  ),
};

const MODE: Partial<Record<PortKind, DetectedPort['mode']>> = {
  'mtk-brom': 'brom',
  'mtk-preloader': 'preloader',
  'mtk-da': 'da',
};

function hex4(id: string | undefined): string | null {
  const clean = (id ?? '').trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(clean) ? clean.padStart(4, '0') : null;
}

/**
 * Picks the ports that matter out of an OS port list: MediaTek download ports with their mode, other 0e8d
 * devices, USB-UART bridges, and phones of other makers in their download modes (named so nobody tries them).
 */
export function classifyPorts(ports: readonly PortInfo[]): DetectedPort[] {
  const found: DetectedPort[] = [];
  for (const port of ports) {
    const vid = hex4(port.vendorId);
    const pid = hex4(port.productId);
    if (vid === null || pid === null) continue;
    const usbId = `${vid}:${pid}`;
    const entry: Entry | undefined =
      KNOWN[usbId] ??
      (vid === '0e8d'
        ? {
            kind: 'mtk-other',
            label: 'MediaTek device',
            note: 'not in a download mode (normal boot, ADB or modem port?)',
          }
        : undefined);
    if (!entry) continue;
    found.push({
      path: port.path,
      usbId,
      kind: entry.kind,
      mode: MODE[entry.kind] ?? null,
      label: entry.label,
      note: entry.note ?? null,
    });
  }
  return found;
}

/**
 * The serial ports of this machine. On Linux from sysfs (`/sys/class/tty/<name>/device/../idVendor`): it needs
 * no helper program (serialport's own list runs udevadm); elsewhere from serialport.
 */
export async function listSerialPorts(sysRoot = '/sys/class/tty'): Promise<PortInfo[]> {
  if (process.platform !== 'linux') {
    const { SerialPort } = await import('serialport');
    return (await SerialPort.list()).map((p) => ({
      path: p.path,
      vendorId: p.vendorId,
      productId: p.productId,
      manufacturer: p.manufacturer,
    }));
  }
  const names = await readdir(sysRoot).catch(() => [] as string[]);
  const ports = await Promise.all(names.map((name) => sysfsPort(sysRoot, name)));
  return ports.filter((p): p is PortInfo => p !== null);
}

async function sysfsPort(sysRoot: string, name: string): Promise<PortInfo | null> {
  let dir = await realpath(join(sysRoot, name, 'device')).catch(() => null);
  // the tty's device is a USB interface; its USB device (with the ids) is one or two levels up
  for (let up = 0; dir !== null && up < 4; up++, dir = dirname(dir)) {
    const vendorId = await readAttribute(dir, 'idVendor');
    if (vendorId === undefined) continue;
    return {
      path: `/dev/${name}`,
      vendorId,
      productId: await readAttribute(dir, 'idProduct'),
      manufacturer: await readAttribute(dir, 'manufacturer'),
      product: await readAttribute(dir, 'product'),
    };
  }
  return null;
}

async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  return readFile(join(dir, name), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
}

export async function detectPorts(): Promise<DetectedPort[]> {
  return classifyPorts(await listSerialPorts());
}
