/**
 * Waiting for the phone: the preloader's port exists for about five seconds after plug-in, so romctl watches the
 * port list and opens a MediaTek download port the moment it appears (reference §1.2).
 */
import { ExitCode, RomctlError } from '../errors.js';
import { classifyPorts, type DetectedPort, type PortInfo } from './detect.js';

export interface WaitForPortOptions {
  /** the OS port list (sysfs on Linux, serialport elsewhere), or a simulated one */
  list: () => Promise<PortInfo[]>;
  timeoutMs: number;
  /** how often the list is read; short, because the preloader window is short */
  pollMs?: number;
  signal?: AbortSignal;
  /** only these modes (a DA port after re-enumeration: ['da']) */
  modes?: ReadonlyArray<NonNullable<DetectedPort['mode']>>;
  /** ports that were there before and are not the phone (a stale node, another device) */
  ignore?: ReadonlySet<string>;
}

const DEFAULT_POLL_MS = 100;

export const PLUG_IN_HINT =
  'power the phone off, hold Volume-Down (BROM mode) or no key (preloader mode) and plug the cable in; ' +
  'if nothing appears, romctl doctor checks drivers, permissions and ModemManager';

/** The first MediaTek download port to appear; exit 4 with what to check when none comes in time. */
export async function waitForPhonePort(options: WaitForPortOptions): Promise<DetectedPort> {
  const modes = options.modes ?? ['brom', 'preloader', 'da'];
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted) {
      throw new RomctlError('stopped while waiting for the phone', { exitCode: ExitCode.device });
    }
    const found = classifyPorts(await options.list()).find(
      (port) => port.mode !== null && modes.includes(port.mode) && !options.ignore?.has(port.path),
    );
    if (found) return found;
    if (Date.now() >= deadline) {
      throw new RomctlError(
        `no MediaTek ${modes.length === 1 ? `${modes[0]} ` : ''}port appeared within ${Math.round(options.timeoutMs / 1000)} s`,
        { exitCode: ExitCode.device, hint: PLUG_IN_HINT },
      );
    }
    await pause(
      Math.min(options.pollMs ?? DEFAULT_POLL_MS, Math.max(0, deadline - Date.now())),
      options.signal,
    );
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
