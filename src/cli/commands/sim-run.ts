import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExitCode, RomctlError } from '../../errors.js';
import { SimPhone, resolveSimProfile, startPtySim, storageBlockSize } from '../../sim/index.js';
import { simDaServer } from '../../sim/da-server.js';
import { storageOf, tableOf } from '../../engine/plan.js';
import type { StorageKind } from '../../engine/da/xflash-info.js';
import { parseScatter } from '../../formats/scatter/index.js';
import { shiftedLayout, writeSimPartitionTable, type SimPartition } from '../../sim/partition-table.js';
import { readUserFile } from '../input.js';
import type { Output } from '../output.js';

export interface SimOptions {
  profile: string;
  pty?: string;
  storage?: string;
  preloader?: string;
  brom?: boolean;
  /** a scatter whose user partitions become the phone's GPT */
  layout?: string;
  /** MiB to shift that layout by */
  layoutShift?: string;
}

/** The GPT rows `--layout` / `--layout-shift` ask for, checked against the phone's user area. */
async function layoutOf(
  options: SimOptions,
  userSize: number,
  storage: StorageKind,
): Promise<SimPartition[] | null> {
  if (options.layout === undefined) {
    if (options.layoutShift !== undefined)
      throw new RomctlError('--layout-shift needs --layout <scatter>', { hint: 'name the scatter to shift' });
    return null;
  }
  const shift = options.layoutShift ?? '0';
  if (!/^\d{1,6}$/.test(shift.trim()))
    throw new RomctlError(`--layout-shift ${shift}: expected a whole number of MiB`, {
      hint: 'e.g. --layout-shift 4',
    });
  const scatter = parseScatter(await readUserFile(options.layout, 'scatter file'), {
    fileName: options.layout,
  });
  // a multi-storage scatter: the layout of the phone's storage
  const layout = scatter.layouts.find((l) => storageOf(l) === storage) ?? scatter.layouts[0];
  const rows = layout
    ? tableOf(layout).flatMap((r) =>
        r.size === null ? [] : [{ name: r.partition, start: r.address, size: r.size }],
      )
    : [];
  const shifted = shiftedLayout(rows, BigInt(shift.trim()) << 20n);
  const past = shifted.find((p) => p.start + p.size > BigInt(userSize));
  if (past || shifted.length === 0) {
    throw new RomctlError(
      past
        ? `${past.name} would end past the simulated phone's user area (${userSize} bytes)`
        : 'the scatter lists no user-area partitions',
      { where: options.layout, hint: 'use a smaller --layout-shift, or a scatter for this phone' },
    );
  }
  return shifted;
}

/** settles on Ctrl-C or SIGTERM */
function interrupted(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Starts the simulated phone on a pty and prints the host-side port; runs until `until` settles (Ctrl-C for the
 * CLI) or the phone stops, then removes socat, the ptys and any temporary storage.
 */
export async function runSim(
  output: Output,
  options: SimOptions,
  until: Promise<void> = interrupted(),
): Promise<number> {
  const profile = resolveSimProfile(options.profile);
  const preloader =
    options.preloader === undefined ? null : await readUserFile(options.preloader, 'preloader');
  if (preloader && preloader.length > profile.storage.layout.boot1) {
    throw new RomctlError(
      `the preloader has ${preloader.length} bytes, boot1 holds ${profile.storage.layout.boot1}`,
      {
        where: options.preloader,
        hint: 'give a preloader image, not a whole boot area or firmware file',
      },
    );
  }
  const table = await layoutOf(options, profile.storage.layout.user, profile.storage.kind);
  // the ptys and (unless --storage) the phone's storage share one folder, which goes with socat if we are killed
  const dir = await mkdtemp(join(tmpdir(), 'romctl-sim-pty-'));
  try {
    const phone = await SimPhone.create({
      profile,
      storagePath: options.storage ?? join(dir, 'storage.img'),
      daServer: simDaServer,
    });
    try {
      if (preloader) await phone.storage.write('boot1', 0, preloader);
      if (table) {
        await writeSimPartitionTable(phone.storage, table, storageBlockSize(profile.storage.kind));
        output.note(
          `the phone's own GPT: ${table.length} partitions of ${options.layout}` +
            (options.layoutShift ? `, ${options.layoutShift} MiB further` : ''),
        );
      }
      return await serveSim(output, options, phone, dir, until);
    } finally {
      await phone.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The phone on a pty in `dir`, its port printed, until `until` settles or the phone stops. */
async function serveSim(
  output: Output,
  options: SimOptions,
  phone: SimPhone,
  dir: string,
  until: Promise<void>,
): Promise<number> {
  const { profile } = phone;
  const boot = await phone.reboot({ holdDownloadKey: options.brom === true });
  const sim = await startPtySim(phone, dir, {
    ownsDir: true,
    ...(options.pty === undefined ? {} : { hostPath: resolve(options.pty) }),
  });
  const usbId = `0e8d:${phone.usbId.productId.toString(16).padStart(4, '0')}`;
  if (output.json) {
    output.printJson({
      port: sim.hostPath,
      profile: profile.codename,
      chip: profile.chip.names[0],
      mode: boot.mode,
      usbId,
      reason: boot.reason,
    });
  } else {
    output.line(sim.hostPath);
    output.note(
      `${profile.label}: ${boot.mode === 'brom' ? 'BROM' : 'preloader'} mode (${usbId}): ${boot.reason}`,
    );
    output.note(`use --port ${sim.hostPath}; Ctrl-C stops the phone`);
  }
  await Promise.race([until, sim.served]);
  await sim.stop();
  return ExitCode.ok;
}
