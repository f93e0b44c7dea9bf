/** Checks that do not depend on the OS: the serialport binding and socat. */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ok, type DoctorFinding } from './model.js';

export async function serialportFinding(): Promise<DoctorFinding> {
  try {
    const { SerialPort } = await import('serialport');
    // the native binding is loaded on first use of the static binding
    if (!SerialPort.binding) throw new Error('no binding for this platform');
    return ok('serialport', 'the serialport native binding loads');
  } catch (error) {
    return {
      check: 'serialport',
      status: 'problem',
      what: `the serialport native binding does not load (${(error as Error).message.split('\n')[0]})`,
      why: 'romctl talks to the phone through it: no port can be opened',
      fix: 'reinstall romctl (npm i -g romctl) so the binding prebuilt for this platform and Node version is present',
    };
  }
}

/** a program on PATH, as the shell would find it */
export async function onPath(program: string, path: string): Promise<string | null> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, program);
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return null;
}

export async function socatFinding(path: string): Promise<DoctorFinding> {
  const found = await onPath('socat', path);
  if (found) return ok('socat', `socat is installed (${found}): romctl sim and --sim can run`);
  return {
    check: 'socat',
    status: 'warning',
    what: 'socat is not on PATH',
    why: 'only the simulated phone needs it (romctl sim, flash --sim): real phones do not',
    fix: 'Debian/Ubuntu: sudo apt-get install socat; Fedora: sudo dnf install socat; macOS: brew install socat',
  };
}
