import { RomctlError } from '../../errors.js';

/**
 * A bounds-checked little-endian view over the input: every read outside the bytes becomes a RomctlError
 * naming the offset, so a cut-short or lying file can never surface as a RangeError.
 */
export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    readonly where: string | undefined,
  ) {}

  get length(): number {
    return this.bytes.length;
  }

  has(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= this.bytes.length;
  }

  private need(offset: number, size: number, what: string): void {
    if (!this.has(offset, size)) {
      throw new RomctlError(`file ends before the ${what} at offset ${hex(offset)} (${size} bytes needed)`, {
        where: this.where,
        hint: 'the file is cut short or a length field in it is wrong; use a complete preloader image',
      });
    }
  }

  u8(offset: number, what: string): number {
    this.need(offset, 1, what);
    return this.bytes[offset] as number;
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return (this.bytes[offset] as number) | ((this.bytes[offset + 1] as number) << 8);
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return (
      ((this.bytes[offset] as number) |
        ((this.bytes[offset + 1] as number) << 8) |
        ((this.bytes[offset + 2] as number) << 16) |
        ((this.bytes[offset + 3] as number) << 24)) >>>
      0
    );
  }

  /** unsigned little-endian integer of 4 or 8 bytes */
  uint(offset: number, width: 4 | 8, what: string): bigint {
    if (width === 4) return BigInt(this.u32(offset, what));
    return BigInt(this.u32(offset, what)) | (BigInt(this.u32(offset + 4, what)) << 32n);
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.need(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }

  /** ASCII up to the first NUL (or the end of the field) */
  cString(offset: number, size: number, what: string): string {
    const field = this.slice(offset, size, what);
    const end = field.indexOf(0);
    return asciiText(end < 0 ? field : field.subarray(0, end));
  }

  startsWith(offset: number, text: string): boolean {
    if (!this.has(offset, text.length)) return false;
    for (let i = 0; i < text.length; i++) if (this.bytes[offset + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** first offset ≥ from where `pattern` occurs, or -1 */
  find(pattern: Uint8Array | string, from = 0, to = this.bytes.length): number {
    const needle = typeof pattern === 'string' ? asciiBytes(pattern) : pattern;
    return indexOfBytes(this.bytes.subarray(0, Math.min(to, this.bytes.length)), needle, from);
  }
}

export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return -1;
  const first = needle[0] as number;
  for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length;) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first, i + 1);
  }
  return -1;
}

export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

/** printable ASCII kept, anything else shown as `\xNN` so odd bytes stay visible without breaking output */
export function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes)
    text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return text;
}

export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += b.toString(16).padStart(2, '0');
  return text;
}

export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function hex(value: number | bigint, width = 0): string {
  return `0x${value.toString(16).padStart(width, '0')}`;
}
