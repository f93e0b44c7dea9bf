/** The Windows and macOS checks of `romctl doctor`: is a MediaTek port visible the way the OS shows it. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, type DoctorFinding, type HostView } from './model.js';

export function windowsFindings(view: HostView): DoctorFinding[] {
  const mtk = view.ports.filter((p) => (p.vendorId ?? '').toLowerCase() === '0e8d');
  if (mtk.length > 0) {
    return [
      ok(
        'windows.driver',
        `a driver serves the MediaTek port${mtk.length > 1 ? 's' : ''} ${mtk.map((p) => p.path).join(', ')}`,
      ),
    ];
  }
  return [
    {
      check: 'windows.driver',
      status: 'warning',
      what: 'no COM port with vendor 0e8d is present',
      why: 'without a driver bound to the phone\'s USB id, Windows shows "MTK USB Port" under Other devices and no COM port exists to open',
      fix: 'plug the switched-off phone in (hold volume down for BROM); if Device Manager shows it with a warning sign, install the MediaTek USB VCOM driver (or bind usbser to 0e8d:0003/2000 with Zadig, driver "USB Serial (CDC)")',
    },
  ];
}

export async function macFindings(view: HostView): Promise<DoctorFinding[]> {
  const devices = (await readdir(join(view.root, 'dev')).catch(() => [] as string[])).filter((n) =>
    n.startsWith('cu.usbmodem'),
  );
  if (devices.length > 0)
    return [ok('macos.port', `USB modem ports present: ${devices.map((d) => `/dev/${d}`).join(', ')}`)];
  return [
    {
      check: 'macos.port',
      status: 'warning',
      what: 'no /dev/cu.usbmodem* port is present',
      why: 'macOS needs no driver for MediaTek CDC ports, but the phone is only visible while it is plugged in and in BROM or preloader mode',
      fix: 'plug the switched-off phone in (hold volume down for BROM) and run romctl doctor again within five seconds; use the cu.* port, not tty.*',
    },
  ];
}
