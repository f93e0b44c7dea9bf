/**
 * The Linux checks of `romctl doctor`: everything between a plugged-in phone and a handshake — the tty's
 * permissions and the user's groups, a udev rule for 0e8d, ModemManager and brltty grabbing the port, the cdc_acm
 * driver. Every fact is read under `view.root`, so a test can prepare /etc, /proc, /sys and /dev trees.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, type DoctorFinding, type HostView } from './model.js';

export const UDEV_RULE_NAME = '51-romctl-mediatek.rules';
/** the rule file inside the installed package */
export const SHIPPED_UDEV_RULE = fileURLToPath(new URL(`../../udev/${UDEV_RULE_NAME}`, import.meta.url));
const RULE_DIRS = ['etc/udev/rules.d', 'lib/udev/rules.d', 'usr/lib/udev/rules.d'];
export const RELOAD_UDEV = 'sudo udevadm control --reload-rules && sudo udevadm trigger';
const INSTALL_RULE = `sudo romctl doctor --fix, or: sudo install -m 0644 ${SHIPPED_UDEV_RULE} /etc/udev/rules.d/ && ${RELOAD_UDEV}`;

interface UdevRules {
  /** rule files with a line for vendor 0e8d that opens the port to users */
  access: string[];
  /** rule files that make ModemManager ignore 0e8d devices */
  modemManagerIgnore: string[];
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

async function udevRules(root: string): Promise<UdevRules> {
  const rules: UdevRules = { access: [], modemManagerIgnore: [] };
  for (const dir of RULE_DIRS) {
    const names = await readdir(join(root, dir)).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.rules')).sort()) {
      const lines = ((await readText(join(root, dir, name))) ?? '')
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('#') && /0e8d/i.test(line));
      const file = `/${dir}/${name}`;
      if (lines.some((l) => /MODE\s*[:]?=\s*"0?66[0-9]"|uaccess|GROUP\s*=/.test(l))) rules.access.push(file);
      if (lines.some((l) => /ID_MM_DEVICE_IGNORE\}?\s*=\s*"1"/.test(l))) rules.modemManagerIgnore.push(file);
    }
  }
  return rules;
}

/** `/etc/group`: gid → name, and the names the user is a listed member of */
async function groups(
  root: string,
  user: string,
): Promise<{ names: Map<number, string>; member: Set<string> }> {
  const names = new Map<number, string>();
  const member = new Set<string>();
  for (const line of ((await readText(join(root, 'etc/group'))) ?? '').split('\n')) {
    const [name, , gid, members] = line.split(':');
    if (!name || gid === undefined || !/^\d+$/.test(gid)) continue;
    names.set(Number(gid), name);
    if ((members ?? '').split(',').includes(user)) member.add(name);
  }
  return { names, member };
}

/** the command names of running processes (`/proc/<pid>/comm`) */
async function processes(root: string): Promise<Set<string>> {
  const pids = (await readdir(join(root, 'proc')).catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  const names = await Promise.all(pids.map((pid) => readText(join(root, 'proc', pid, 'comm'))));
  return new Set(names.filter((n): n is string => n !== null).map((n) => n.trim()));
}

const isMtk = (port: HostView['ports'][number]) =>
  (port.vendorId ?? '').toLowerCase().replace(/^0x/, '') === '0e8d';

async function portAccess(view: HostView, rules: UdevRules): Promise<DoctorFinding[]> {
  const { names, member } = await groups(view.root, view.user.name);
  const mtkPorts = view.ports.filter(isMtk);
  if (mtkPorts.length === 0) {
    return [
      ok(
        'linux.port-access',
        'no MediaTek port is connected now: plug the phone in to check its permissions',
      ),
    ];
  }
  const findings: DoctorFinding[] = [];
  for (const port of mtkPorts) {
    const info = await stat(join(view.root, port.path)).catch(() => null);
    if (!info) {
      findings.push({
        check: 'linux.port-access',
        status: 'problem',
        what: `${port.path} is listed in sysfs but has no device file`,
        why: 'the port vanished (the preloader port lives about five seconds) or udev did not create the node',
        fix: 'plug the phone in again; if the node never appears, check dmesg for cdc_acm messages',
      });
      continue;
    }
    const mode = info.mode & 0o777;
    const owner = view.user.uid === 0 || (info.uid === view.user.uid && (mode & 0o600) === 0o600);
    const group = view.user.gids.includes(info.gid) && (mode & 0o060) === 0o060;
    const other = (mode & 0o006) === 0o006;
    const groupName = names.get(info.gid) ?? `gid ${info.gid}`;
    if (owner || group || other) {
      findings.push(ok('linux.port-access', `${port.path} is readable and writable for ${view.user.name}`));
      continue;
    }
    const listedNotActive = member.has(groupName);
    findings.push({
      check: 'linux.port-access',
      status: 'problem',
      what:
        `${port.path} (${mode.toString(8).padStart(4, '0')}, group ${groupName}) is not writable for ${view.user.name}` +
        (listedNotActive ? `, who was added to ${groupName} but has not logged in again since` : ''),
      why: 'romctl cannot open the port: the handshake never starts ("permission denied")',
      fix: listedNotActive
        ? 'log out and in again (or run: newgrp ' + groupName + ')'
        : rules.access.length === 0
          ? INSTALL_RULE
          : `sudo usermod -aG ${groupName} ${view.user.name}, then log out and in again`,
    });
  }
  return findings;
}

function udevFinding(rules: UdevRules): DoctorFinding {
  if (rules.access.length > 0)
    return ok('linux.udev-rule', `a udev rule opens 0e8d ports to users: ${rules.access.join(', ')}`);
  return {
    check: 'linux.udev-rule',
    status: 'warning',
    what: 'no udev rule for MediaTek (0e8d) ports',
    why: 'new /dev/ttyACM* nodes belong to root and the dialout/uucp group: without the group or a rule, opening the port fails',
    fix: INSTALL_RULE,
  };
}

function modemManagerFinding(running: boolean, rules: UdevRules): DoctorFinding {
  if (!running) return ok('linux.modemmanager', 'ModemManager is not running');
  if (rules.modemManagerIgnore.length > 0) {
    return ok(
      'linux.modemmanager',
      `ModemManager runs but ignores 0e8d (${rules.modemManagerIgnore.join(', ')})`,
    );
  }
  return {
    check: 'linux.modemmanager',
    status: 'problem',
    what: 'ModemManager is running and no udev rule sets ID_MM_DEVICE_IGNORE for 0e8d',
    why: 'it opens every new serial port and sends AT commands in the first seconds — the preloader window — so the handshake gets garbage or a busy port',
    fix: `${INSTALL_RULE}; or for this session: sudo systemctl stop ModemManager`,
  };
}

function brlttyFinding(running: boolean): DoctorFinding {
  if (!running) return ok('linux.brltty', 'brltty is not running');
  return {
    check: 'linux.brltty',
    status: 'warning',
    what: 'brltty (a braille display daemon) is running',
    why: 'its udev rules claim USB-serial adapters (CH340, CP210x, FTDI): a UART bridge used for IoT MediaTek chips disappears as soon as it is plugged in',
    fix: 'if no braille display is used: sudo systemctl mask brltty-udev.service brltty.service (or remove the brltty package)',
  };
}

async function cdcAcmFinding(root: string): Promise<DoctorFinding> {
  const modules = (await readText(join(root, 'proc/modules'))) ?? '';
  const builtIn = await stat(join(root, 'sys/module/cdc_acm')).then(
    () => true,
    () => false,
  );
  if (/^cdc_acm\s/m.test(modules) || builtIn) return ok('linux.cdc-acm', 'the cdc_acm driver is loaded');
  return {
    check: 'linux.cdc-acm',
    status: 'problem',
    what: 'the cdc_acm kernel driver is not loaded',
    why: 'MediaTek BROM, preloader and DA ports are USB CDC-ACM devices: without the driver no /dev/ttyACM* appears',
    fix: "sudo modprobe cdc_acm (and install the kernel's extra modules package if modprobe cannot find it)",
  };
}

export async function linuxFindings(view: HostView): Promise<DoctorFinding[]> {
  const [rules, running] = await Promise.all([udevRules(view.root), processes(view.root)]);
  return [
    ...(await portAccess(view, rules)),
    udevFinding(rules),
    modemManagerFinding(running.has('ModemManager'), rules),
    brlttyFinding(running.has('brltty')),
    await cdcAcmFinding(view.root),
  ];
}
