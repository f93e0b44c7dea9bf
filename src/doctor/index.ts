/**
 * `romctl doctor`: what on this host stops a handshake, why it breaks flashing, and the exact fix; `--fix` installs
 * the udev rule shipped in the package.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serialportFinding, socatFinding } from './common.js';
import { linuxFindings, RELOAD_UDEV, SHIPPED_UDEV_RULE, UDEV_RULE_NAME } from './linux.js';
import type { DoctorFinding, HostView } from './model.js';
import { macFindings, windowsFindings } from './other-os.js';

export type { DoctorFinding, HostView, HostUser, CheckStatus } from './model.js';

export async function runChecks(view: HostView): Promise<DoctorFinding[]> {
  const platformFindings =
    view.platform === 'linux'
      ? await linuxFindings(view)
      : view.platform === 'win32'
        ? windowsFindings(view)
        : view.platform === 'darwin'
          ? await macFindings(view)
          : [];
  return [...platformFindings, await serialportFinding(), await socatFinding(view.path)];
}

export interface FixResult {
  installed: string | null;
  /** what is left for the user to run (reloading udev, or the install itself without permission) */
  todo: string | null;
}

/** Installs the udev rule under `root`; udev is told to reload only on the real root. */
export async function installUdevRule(root: string): Promise<FixResult> {
  const target = join(root, 'etc/udev/rules.d', UDEV_RULE_NAME);
  try {
    await mkdir(join(root, 'etc/udev/rules.d'), { recursive: true });
    await copyFile(SHIPPED_UDEV_RULE, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    return {
      installed: null,
      todo: `sudo install -m 0644 ${SHIPPED_UDEV_RULE} /etc/udev/rules.d/ && ${RELOAD_UDEV}`,
    };
  }
  if (root !== '/') return { installed: target, todo: RELOAD_UDEV };
  const reloaded = ['control --reload-rules', 'trigger'].every(
    (args) => spawnSync('udevadm', args.split(' '), { stdio: 'ignore' }).status === 0,
  );
  return { installed: target, todo: reloaded ? null : RELOAD_UDEV };
}
