import { RomctlError } from '../errors.js';

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const unitBytes: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `30d`, `12h`, `90m`, `45s`, `2w` in milliseconds; `flag` names the option in the error. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!match) {
    throw new RomctlError(`${flag} ${text}: expected a number and a unit`, {
      hint: 'for example 30d, 12h, 90m, 45s, 2w',
    });
  }
  return checkedSafe(Number(match[1]) * (unitMs[match[2] as string] as number), text, flag);
}

/** `1024`, `64k`, `512M`, `2G` (powers of 1024, an optional trailing B or iB) in bytes. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) {
    throw new RomctlError(`${flag} ${text}: expected a size`, { hint: 'for example 1048576, 64k, 512M, 2G' });
  }
  const bytes = Math.floor(Number(match[1]) * (unitBytes[(match[2] as string).toLowerCase()] as number));
  return checkedSafe(bytes, text, flag);
}

function checkedSafe(value: number, text: string, flag: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new RomctlError(`${flag} ${text}: too large`, { hint: 'give a value below 2^53' });
  }
  return value;
}
