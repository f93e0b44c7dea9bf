import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, RomctlError } from '../../errors.js';
import { spawnTied } from './tied-process.js';

/** Two linked pseudo-terminals: the simulated phone opens one, the host the other, both as serial ports. */
export interface PtyPair {
  phonePath: string;
  hostPath: string;
  /** stops socat: both terminals hang up, as when a cable is pulled */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 5000;

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface PtyPairNames {
  phonePath?: string;
  hostPath?: string;
  /** `dir` is ours alone: if this process dies without closing the pair, it is removed with socat */
  ownsDir?: boolean;
}

/**
 * Starts `socat` with two raw pty links, `<dir>/phone` and `<dir>/host` unless named. The host side ignores EOF
 * so a host that closes its port and opens it again finds the phone still there. socat runs behind a watchdog,
 * so it stops when this process dies, even by SIGKILL.
 */
export async function createPtyPair(dir: string, names: PtyPairNames = {}): Promise<PtyPair> {
  const phonePath = names.phonePath ?? join(dir, 'phone');
  const hostPath = names.hostPath ?? join(dir, 'host');
  await Promise.all([rm(phonePath, { force: true }), rm(hostPath, { force: true })]);
  const socat = spawnTied(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${phonePath}`, `pty,raw,echo=0,ignoreeof,link=${hostPath}`],
    names.ownsDir === true ? { orphanFolder: dir } : {},
  );
  const exited = new Promise<void>((resolve) => socat.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const fail = (message: string, hint: string, cause?: unknown) => {
      clearTimeout(timer);
      socat.kill();
      reject(new RomctlError(message, { exitCode: ExitCode.device, where: 'socat', hint, cause }));
    };
    const timer = setTimeout(
      () => fail('socat did not start the pty pair in time', `socat said: ${log.trim() || 'nothing'}`),
      START_TIMEOUT_MS,
    );
    socat.once('error', (error) =>
      fail('cannot run socat', 'install it (Debian/Ubuntu: apt-get install socat)', error),
    );
    socat.once('exit', (code) =>
      code === 127
        ? fail('cannot run socat', `install it (Debian/Ubuntu: apt-get install socat); ${log.trim()}`)
        : fail(`socat exited (${code}) before linking the ptys`, log.trim() || 'see socat -d -d'),
    );
    socat.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        socat.removeAllListeners('exit');
        resolve();
      }
    });
  });
  let closing: Promise<void> | null = null;
  return {
    phonePath,
    hostPath,
    close() {
      closing ??= (async () => {
        if (socat.exitCode === null && socat.signalCode === null) socat.kill();
        await exited;
        await Promise.all([rm(phonePath, { force: true }), rm(hostPath, { force: true })]);
      })();
      return closing;
    },
  };
}
