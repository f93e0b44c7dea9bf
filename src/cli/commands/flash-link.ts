/**
 * The phone a flash or backup talks to: a serial port (`--port`), or a simulated phone run in this process
 * (`--sim PROFILE`) behind a real pseudo-terminal pair, so the serial path is the one a real phone uses. Without
 * socat the simulated phone is reached over an in-memory link instead (with a note).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDaContainer } from '../../engine/da/container-build.js';
import {
  createMemoryPair,
  openSerialTransport,
  socatAvailable,
  type Transport,
} from '../../engine/transport/index.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { simDaServer } from '../../sim/da-server.js';
import { resolveSimProfile, SimPhone, startPtySim, type BootDecision } from '../../sim/index.js';
import type { Output } from '../output.js';

export interface LinkOptions {
  port?: string;
  sim?: string;
  simStorage?: string;
}

export interface DeviceLink {
  transport: Transport;
  /** a DA the simulated phone runs, for packages that ship none (`--sim` only) */
  simDa: Uint8Array | null;
  /** closes the link; for a simulated phone, how its last boot went (after the flash's reboot) */
  close(): Promise<BootDecision | null>;
}

/** The flags that name the phone, judged before any work: exactly one of --port and --sim, a known profile. */
export function checkLinkOptions(options: LinkOptions): void {
  if ((options.port === undefined) === (options.sim === undefined)) {
    throw new RomctlError('name the phone with exactly one of --port PATH or --sim PROFILE', {
      exitCode: ExitCode.badInput,
      hint: 'romctl detect lists connected phones; --sim nikel runs a simulated one',
    });
  }
  if (options.sim !== undefined) resolveSimProfile(options.sim);
  else if (options.simStorage !== undefined) {
    throw new RomctlError('--sim-storage goes with --sim', { exitCode: ExitCode.badInput });
  }
}

export async function openDeviceLink(output: Output, options: LinkOptions): Promise<DeviceLink> {
  checkLinkOptions(options);
  if (options.port !== undefined) {
    const transport = await openSerialTransport(options.port);
    return {
      transport,
      simDa: null,
      close: async () => {
        await transport.close();
        return null;
      },
    };
  }
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
    entries: [
      { hwCode: profile.chip.daCode, protocol: profile.chip.daProtocol === 'legacy' ? 'legacy' : 'xflash' },
    ],
  });
  if (!socatAvailable()) {
    output.note('socat is not installed: the simulated phone is reached over an in-memory link, not a pty');
    const [host, device] = createMemoryPair(['memory:host', `simulated ${profile.codename}`]);
    const served = phone.serve(device);
    return {
      transport: host,
      simDa,
      close: async () => {
        await host.close();
        await served;
        await phone.close();
        await rm(dir, { recursive: true, force: true });
        return phone.lastBoot;
      },
    };
  }
  try {
    const sim = await startPtySim(phone, dir, { ownsDir: true });
    const transport = await openSerialTransport(sim.hostPath);
    return {
      transport,
      simDa,
      close: async () => {
        await transport.close();
        await sim.stop();
        await phone.close();
        await rm(dir, { recursive: true, force: true });
        return phone.lastBoot;
      },
    };
  } catch (error) {
    await phone.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
