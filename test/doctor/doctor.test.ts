import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChecks, type DoctorFinding, type HostView } from '../../src/doctor/index.js';
import { listSerialPorts } from '../../src/engine/detect.js';
import { runCli } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A prepared system tree: only what each test writes into it exists. */
function tree(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'romctl-doctor-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) put(root, path, content);
  return root;
}

function put(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** a phone on ttyACM0 as sysfs shows it (USB device with ids, its interface, the tty) and its /dev node */
function plugIn(root: string, productId: string, mode: number): void {
  const usb = 'sys/devices/pci0000:00/usb1/1-1';
  put(root, `${usb}/idVendor`, '0e8d\n');
  put(root, `${usb}/idProduct`, `${productId}\n`);
  mkdirSync(join(root, usb, '1-1:1.0/tty/ttyACM0'), { recursive: true });
  mkdirSync(join(root, 'sys/class/tty/ttyACM0'), { recursive: true });
  symlinkSync(join(root, usb, '1-1:1.0'), join(root, 'sys/class/tty/ttyACM0/device'));
  put(root, 'dev/ttyACM0', '');
  chmodSync(join(root, 'dev/ttyACM0'), mode);
}

const alice = { name: 'alice', uid: 4242, gids: [4242] };
const GROUPS = 'root:x:0:\ndialout:x:20:\nalice:x:4242:\n';
const running = (root: string, name: string, pid = 700) => put(root, `proc/${pid}/comm`, `${name}\n`);

async function check(root: string, user = alice, path = ''): Promise<Map<string, DoctorFinding[]>> {
  const view: HostView = {
    root,
    platform: 'linux',
    user,
    path,
    ports: await listSerialPorts(join(root, 'sys/class/tty')),
  };
  const byCheck = new Map<string, DoctorFinding[]>();
  for (const f of await runChecks(view)) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
  return byCheck;
}

const one = (found: Map<string, DoctorFinding[]>, id: string) => (found.get(id) ?? [])[0];

describe('romctl doctor on Linux, against prepared /etc, /proc, /sys and /dev trees', () => {
  it('a port the user cannot open: the mode, the group and the fix are named', async () => {
    const root = tree({ 'etc/group': GROUPS, 'proc/modules': 'cdc_acm 45056 0 - Live 0x0\n' });
    plugIn(root, '2000', 0o660);
    const found = await check(root);
    expect(one(found, 'linux.port-access')).toMatchObject({
      status: 'problem',
      what: expect.stringMatching(/^\/dev\/ttyACM0 \(0660, group root\) is not writable for alice$/),
      fix: expect.stringMatching(/romctl doctor --fix/),
    });
    expect(one(found, 'linux.cdc-acm')?.status).toBe('ok');
  });

  it('the same port is fine for a member of its group, and for anyone once a rule makes it 0666', async () => {
    const root = tree({ 'etc/group': GROUPS, 'proc/modules': '' });
    plugIn(root, '0003', 0o660);
    expect(one(await check(root, { ...alice, gids: [4242, 0] }), 'linux.port-access')?.status).toBe('ok');
    chmodSync(join(root, 'dev/ttyACM0'), 0o666);
    expect(one(await check(root), 'linux.port-access')?.status).toBe('ok');
  });

  it('added to the group but not logged in again: says so', async () => {
    const root = tree({
      'etc/group': 'root:x:0:alice\n',
      'etc/udev/rules.d/99-x.rules': 'ATTRS{idVendor}=="0e8d", GROUP="root"\n',
    });
    plugIn(root, '2000', 0o660);
    expect(one(await check(root), 'linux.port-access')).toMatchObject({
      status: 'problem',
      what: expect.stringMatching(/added to root but has not logged in again/),
      fix: 'log out and in again (or run: newgrp root)',
    });
  });

  it('no phone plugged in: nothing to say about permissions', async () => {
    expect(one(await check(tree()), 'linux.port-access')).toMatchObject({
      status: 'ok',
      what: expect.stringMatching(/no MediaTek port/),
    });
  });

  it('a udev rule for 0e8d is found in any rules folder; comments do not count', async () => {
    expect(
      one(await check(tree({ 'etc/udev/rules.d/50-x.rules': '# 0e8d MODE="0666"\n' })), 'linux.udev-rule')
        ?.status,
    ).toBe('warning');
    const found = await check(
      tree({
        'usr/lib/udev/rules.d/69-mtk.rules': 'SUBSYSTEM=="usb", ATTR{idVendor}=="0E8D", TAG+="uaccess"\n',
      }),
    );
    expect(one(found, 'linux.udev-rule')).toMatchObject({
      status: 'ok',
      what: expect.stringContaining('/usr/lib/udev/rules.d/69-mtk.rules'),
    });
  });

  it('ModemManager running without ID_MM_DEVICE_IGNORE for 0e8d is a problem; with it, fine', async () => {
    const root = tree();
    running(root, 'ModemManager');
    expect(one(await check(root), 'linux.modemmanager')).toMatchObject({
      status: 'problem',
      fix: expect.stringMatching(/systemctl stop ModemManager/),
    });
    put(root, 'etc/udev/rules.d/77-mm.rules', 'ATTRS{idVendor}=="0e8d", ENV{ID_MM_DEVICE_IGNORE}="1"\n');
    expect(one(await check(root), 'linux.modemmanager')?.status).toBe('ok');
    expect(one(await check(tree()), 'linux.modemmanager')).toMatchObject({
      status: 'ok',
      what: 'ModemManager is not running',
    });
  });

  it('brltty running is a warning with the way to stop it', async () => {
    const root = tree();
    running(root, 'brltty', 99);
    expect(one(await check(root), 'linux.brltty')).toMatchObject({
      status: 'warning',
      fix: expect.stringMatching(/systemctl mask brltty/),
    });
  });

  it('cdc_acm: loaded as a module, built in, or missing', async () => {
    expect(
      one(await check(tree({ 'proc/modules': 'usbserial 1 0 - Live\n' })), 'linux.cdc-acm'),
    ).toMatchObject({
      status: 'problem',
      fix: expect.stringMatching(/modprobe cdc_acm/),
    });
    expect(one(await check(tree({ 'sys/module/cdc_acm/parameters/x': '' })), 'linux.cdc-acm')?.status).toBe(
      'ok',
    );
  });

  it('socat is looked up on PATH; the serialport binding is loaded for real', async () => {
    const bin = tree({ socat: '#!/bin/sh\n' });
    chmodSync(join(bin, 'socat'), 0o755);
    expect(one(await check(tree(), alice, bin), 'socat')?.status).toBe('ok');
    expect(one(await check(tree(), alice, join(bin, 'nothing')), 'socat')).toMatchObject({
      status: 'warning',
      fix: expect.stringMatching(/apt-get install socat/),
    });
    expect(one(await check(tree()), 'serialport')?.status).toBe('ok');
  });
});

describe('romctl doctor on Windows and macOS', () => {
  const view = (platform: NodeJS.Platform, root: string, ports: HostView['ports']): HostView => ({
    root,
    platform,
    user: alice,
    path: '',
    ports,
  });

  it('Windows: a COM port with vendor 0e8d means a driver is bound', async () => {
    const none = await runChecks(
      view('win32', tree(), [{ path: 'COM3', vendorId: '10C4', productId: 'EA60' }]),
    );
    expect(none.find((f) => f.check === 'windows.driver')).toMatchObject({
      status: 'warning',
      fix: expect.stringMatching(/VCOM driver/),
    });
    const bound = await runChecks(
      view('win32', tree(), [{ path: 'COM7', vendorId: '0E8D', productId: '0003' }]),
    );
    expect(bound.find((f) => f.check === 'windows.driver')).toMatchObject({
      status: 'ok',
      what: expect.stringContaining('COM7'),
    });
  });

  it('macOS: /dev/cu.usbmodem* ports', async () => {
    expect((await runChecks(view('darwin', tree(), []))).find((f) => f.check === 'macos.port')?.status).toBe(
      'warning',
    );
    const found = await runChecks(view('darwin', tree({ 'dev/cu.usbmodem14101': '' }), []));
    expect(found.find((f) => f.check === 'macos.port')).toMatchObject({
      status: 'ok',
      what: expect.stringContaining('/dev/cu.usbmodem14101'),
    });
  });
});

describe('romctl doctor (the command)', () => {
  const validate = schemaValidator('doctor');

  it('--json validates against its schema; a problem is exit 1', async () => {
    const root = tree({ 'proc/modules': '' });
    const run = await runCli(['--json', 'doctor', '--root', root]);
    const json = JSON.parse(run.stdout) as { findings: DoctorFinding[] };
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining([
        'linux.udev-rule',
        'linux.modemmanager',
        'linux.cdc-acm',
        'serialport',
        'socat',
      ]),
    );
    expect(run.code).toBe(1);
  });

  it('--fix installs the shipped udev rule, then finds it', async () => {
    const root = tree({ 'proc/modules': 'cdc_acm 1 0 - Live\n' });
    const run = await runCli(['--json', 'doctor', '--root', root, '--fix']);
    const json = JSON.parse(run.stdout) as {
      findings: DoctorFinding[];
      fix: { installed: string; todo: string };
    };
    expect(json.fix.installed).toBe(join(root, 'etc/udev/rules.d/51-romctl-mediatek.rules'));
    expect(json.fix.todo).toMatch(/udevadm control --reload-rules/);
    expect(readFileSync(json.fix.installed, 'utf8')).toMatch(
      /ATTRS\{idVendor\}=="0e8d".*ID_MM_DEVICE_IGNORE/,
    );
    expect(json.findings.find((f) => f.check === 'linux.udev-rule')?.status).toBe('ok');
    const human = await runCli(['doctor', '--root', root]);
    expect(human.stdout).toMatch(
      /✓ a udev rule opens 0e8d ports to users: \/etc\/udev\/rules\.d\/51-romctl-mediatek\.rules/,
    );
  });
});
