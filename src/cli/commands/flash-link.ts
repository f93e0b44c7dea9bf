/**
 * The phone a flash, backup or probe talks to: the first MediaTek port that appears (waited for, as the preloader
 * port lives about five seconds), a named serial port (`--port`), or a simulated phone run in this process
 * (`--sim PROFILE`) behind a real pseudo-terminal pair, so the serial path is the one a real phone uses; with
 * `--sim-late` the simulated phone is plugged in late and found by the same waiting. Without socat the simulated
 * phone is reached over an in-memory link instead (with a note).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDaContainer } from '../../engine/da/container-build.js';
import { classifyPorts, listSerialPorts, type PortInfo } from '../../engine/detect.js';
import { PLUG_IN_HINT, waitForPhonePort } from '../../engine/port-wait.js';
import {
  createMemoryPair,
  openSerialTransport,
  socatAvailable,
  type Transport,
} from '../../engine/transport/index.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { simDaServer } from '../../sim/da-server.js';
import { resolveSimProfile, SimPhone, startPtySim, type BootDecision, type PtySim } from '../../sim/index.js';
import type { Output } from '../output.js';
import { parseDuration } from '../quantities.js';

export interface LinkOptions {
  port?: string;
  sim?: string;
  simStorage?: string;
  /** how long to wait for the phone to appear (default 60s) */
  timeout?: string;
  /** with --sim: plug the simulated phone in this long after romctl starts waiting */
  simLate?: string;
}

export interface DeviceLink {
  transport: Transport;
  /** a DA the simulated phone runs, for packages that ship none (`--sim` only) */
  simDa: Uint8Array | null;
  /** the port is a preloader port (0e8d:2000): the handshake starts with a lone 0xA0 */
  preloaderPort: boolean;
  /** opens the DA's own port when the phone re-enumerates after JUMP_DA */
  reconnect?: () => Promise<Transport>;
  /** closes the link; for a simulated phone, how its last boot went (after the flash's reboot) */
  close(): Promise<BootDecision | null>;
}

const DEFAULT_TIMEOUT = '60s';
/** a re-enumerated DA port shows up within a few seconds of JUMP_DA */
const DA_PORT_TIMEOUT_MS = 15_000;

/** The flags that name the phone, judged before any work. */
export function checkLinkOptions(options: LinkOptions): void {
  if (options.port !== undefined && options.sim !== undefined) {
    throw new RomctlError('--port and --sim exclude each other', {
      exitCode: ExitCode.badInput,
      hint: 'name a serial port, or a simulated phone, or neither to wait for the first phone plugged in',
    });
  }
  if (options.sim !== undefined) resolveSimProfile(options.sim);
  else {
    for (const flag of ['simStorage', 'simLate'] as const) {
      if (options[flag] !== undefined) {
        const name = flag === 'simStorage' ? '--sim-storage' : '--sim-late';
        throw new RomctlError(`${name} goes with --sim`, { exitCode: ExitCode.badInput });
      }
    }
  }
  timeoutOf(options);
  if (options.simLate !== undefined) parseDuration(options.simLate, '--sim-late');
}

export function timeoutOf(options: Pick<LinkOptions, 'timeout'>): number {
  return parseDuration(options.timeout ?? DEFAULT_TIMEOUT, '--timeout');
}

/** Waits for a port from `list`, the user told what to do; Ctrl-C stops the wait cleanly (exit 4). */
export async function waitForPort(
  output: Output,
  options: Pick<LinkOptions, 'timeout'>,
  list: () => Promise<PortInfo[]>,
) {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    const timeoutMs = timeoutOf(options);
    output.note(`waiting up to ${Math.round(timeoutMs / 1000)} s for a MediaTek phone: ${PLUG_IN_HINT}`);
    const port = await waitForPhonePort({ list, timeoutMs, signal: stop.signal });
    output.note(`found ${port.path} (${port.usbId}, ${port.mode} mode)`);
    return port;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/** the DA port a real phone re-enumerates as, other than the port it left */
function realDaPort(left: string): () => Promise<Transport> {
  return async () => {
    const port = await waitForPhonePort({
      list: listSerialPorts,
      timeoutMs: DA_PORT_TIMEOUT_MS,
      modes: ['da'],
      ignore: new Set([left]),
    });
    return openSerialTransport(port.path);
  };
}

async function serialLink(path: string, mode: string | null): Promise<DeviceLink> {
  const transport = await openSerialTransport(path);
  return {
    transport,
    simDa: null,
    preloaderPort: mode === 'preloader',
    reconnect: realDaPort(path),
    close: async () => {
      await transport.close();
      return null;
    },
  };
}

export async function openDeviceLink(output: Output, options: LinkOptions): Promise<DeviceLink> {
  checkLinkOptions(options);
  if (options.port !== undefined) {
    const listed = classifyPorts(await listSerialPorts()).find((p) => p.path === options.port);
    return serialLink(options.port, listed?.mode ?? null);
  }
  if (options.sim === undefined) {
    const port = await waitForPort(output, options, listSerialPorts);
    return serialLink(port.path, port.mode);
  }
  return simLink(output, options);
}

async function simLink(output: Output, options: LinkOptions): Promise<DeviceLink> {
  const profile = resolveSimProfile(options.sim as string);
  // the ptys and the phone's storage share one folder, which goes with socat if this process is killed
  const dir = await mkdtemp(join(tmpdir(), 'romctl-flash-sim-'));
  const phone = await SimPhone.create({
    profile,
    daServer: simDaServer,
    storagePath: options.simStorage ?? join(dir, 'storage.img'),
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  output.note(
    `simulated ${profile.label}: ${phone.lastBoot.mode === 'brom' ? 'BROM' : 'preloader'} mode (${phone.lastBoot.reason})`,
  );
  const simDa = buildDaContainer({
    entries: [{ hwCode: profile.chip.daCode, protocol: profile.chip.daProtocol }],
  });
  const preloaderPort = phone.mode === 'preloader';
  if (!socatAvailable()) {
    output.note('socat is not installed: the simulated phone is reached over an in-memory link, not a pty');
    const [host, device] = createMemoryPair(['memory:host', `simulated ${profile.codename}`]);
    const served = phone.serve(device);
    return {
      transport: host,
      simDa,
      preloaderPort,
      close: async () => {
        await host.close();
        await served;
        await phone.close();
        await rm(dir, { recursive: true, force: true });
        return phone.lastBoot;
      },
    };
  }
  let sim: PtySim | null = null;
  try {
    sim = options.simLate === undefined ? await startPtySim(phone, dir, { ownsDir: true }) : null;
    const path = sim
      ? sim.hostPath
      : await pluggedInLate(output, options, phone, dir, (started) => (sim = started));
    const transport = await openSerialTransport(path);
    return {
      transport,
      simDa,
      preloaderPort,
      close: async () => {
        await transport.close();
        await sim?.stop();
        await phone.close();
        await rm(dir, { recursive: true, force: true });
        return phone.lastBoot;
      },
    };
  } catch (error) {
    await (sim as PtySim | null)?.stop();
    await phone.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `--sim-late`: the simulated phone's port appears only after the delay, listed with the USB id of its mode, and
 * romctl finds it by the same waiting a real phone gets.
 */
async function pluggedInLate(
  output: Output,
  options: LinkOptions,
  phone: SimPhone,
  dir: string,
  started: (sim: PtySim) => void,
): Promise<string> {
  let plugged: PtySim | null = null;
  let failed: unknown = null;
  const timer = setTimeout(
    () => {
      startPtySim(phone, dir, { ownsDir: true }).then(
        (sim) => {
          plugged = sim;
          started(sim);
        },
        (error: unknown) => (failed = error),
      );
    },
    parseDuration(options.simLate as string, '--sim-late'),
  );
  const list = async (): Promise<PortInfo[]> => {
    if (failed) throw failed;
    const sim = plugged as PtySim | null;
    if (!sim) return [];
    const { vendorId, productId } = phone.usbId;
    return [{ path: sim.hostPath, vendorId: hex4(vendorId), productId: hex4(productId) }];
  };
  try {
    return (await waitForPort(output, options, list)).path;
  } finally {
    clearTimeout(timer);
  }
}

const hex4 = (value: number) => value.toString(16).padStart(4, '0');
