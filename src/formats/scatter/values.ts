import { RomctlError } from '../../errors.js';

/** Everything a value parser needs to say where a bad value is. */
export interface ValueSite {
  where: string;
  key: string;
}

const MAX_ADDRESS = (1n << 64n) - 1n;

/** `0x1A000`, `0x1a000` or decimal `4096` → bigint; anything else is an error naming the key and line. */
export function parseAddress(value: string, site: ValueSite): bigint {
  const text = value.trim();
  let result: bigint | undefined;
  if (/^0x[0-9a-f]{1,32}$/i.test(text)) result = BigInt(text.toLowerCase());
  else if (/^\d{1,40}$/.test(text)) result = BigInt(text);
  if (result === undefined || result > MAX_ADDRESS) {
    throw new RomctlError(`${site.key}: expected a hex number such as 0x8000, found ${quote(text)}`, {
      where: site.where,
      hint: 'fix the value (addresses and sizes are hexadecimal, at most 64 bits)',
    });
  }
  return result;
}

export function parseBoolean(value: string, site: ValueSite): boolean {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'yes') return true;
  if (text === 'false' || text === 'no') return false;
  throw new RomctlError(`${site.key}: expected true or false, found ${quote(value.trim())}`, {
    where: site.where,
    hint: 'write true or false',
  });
}

/** `NONE` or nothing → null; Windows separators → `/`. */
export function parseFileName(value: string): string | null {
  const text = value.trim();
  if (text === '' || text.toUpperCase() === 'NONE') return null;
  return text.replace(/\\/g, '/');
}

/** Empty → null; other strings as written. */
export function optionalText(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  return text === '' ? null : text;
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** bigint → `0x…` lower-case hex, the one spelling every writer uses. */
export function toHex(value: bigint): string {
  return `0x${value.toString(16)}`;
}
