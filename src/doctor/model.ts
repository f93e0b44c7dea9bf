/** What `romctl doctor` looks at and what it says about it. */

export type CheckStatus = 'ok' | 'warning' | 'problem';

export interface DoctorFinding {
  /** stable id, e.g. `linux.udev-rule` */
  check: string;
  status: CheckStatus;
  /** what was found */
  what: string;
  /** why it breaks flashing (null when all is well) */
  why: string | null;
  /** the exact thing to do (null when all is well) */
  fix: string | null;
}

export interface HostUser {
  name: string;
  uid: number;
  /** the groups the user's processes carry now (a group added since the last login is not among them) */
  gids: readonly number[];
}

/** The machine as doctor sees it: a root folder (`/`, or a prepared tree in tests), the OS, the user, PATH. */
export interface HostView {
  root: string;
  platform: NodeJS.Platform;
  user: HostUser;
  path: string;
  /** serial ports with USB ids (from sysfs on Linux, serialport elsewhere) */
  ports: ReadonlyArray<{ path: string; vendorId?: string; productId?: string }>;
}

export const ok = (check: string, what: string): DoctorFinding => ({
  check,
  status: 'ok',
  what,
  why: null,
  fix: null,
});
