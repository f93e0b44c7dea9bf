import { readFile, stat } from 'node:fs/promises';
import { RomctlError } from '../errors.js';

/** Reads a file the user named, turning the usual file-system failures into one-line errors. */
export async function readUserFile(path: string, what = 'file'): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new RomctlError(`is a folder, expected a ${what}`, {
        where: path,
        hint: `name the ${what} itself`,
      });
    }
    return await readFile(path);
  } catch (error) {
    throw asUserFileError(error, path, what);
  }
}

export function asUserFileError(error: unknown, path: string, what: string): unknown {
  if (error instanceof RomctlError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new RomctlError(`no such ${what}`, { where: path, hint: 'check the path', cause: error });
    case 'EACCES':
    case 'EPERM':
      return new RomctlError(`permission denied`, {
        where: path,
        hint: `make the ${what} readable for this user`,
        cause: error,
      });
    case 'EISDIR':
      return new RomctlError(`is a folder, expected a ${what}`, { where: path, cause: error });
    default:
      return error;
  }
}
