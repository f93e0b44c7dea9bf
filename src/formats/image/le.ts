/** Little-endian reads from a byte array. Callers check bounds first: these never see short input. */

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function u16le(bytes: Uint8Array, offset: number): number {
  return view(bytes).getUint16(offset, true);
}

export function u32le(bytes: Uint8Array, offset: number): number {
  return view(bytes).getUint32(offset, true);
}

export function u64le(bytes: Uint8Array, offset: number): bigint {
  return view(bytes).getBigUint64(offset, true);
}

/** True when `bytes` holds `expected` starting at `offset` (false when too short). */
export function startsWithAt(bytes: Uint8Array, offset: number, expected: readonly number[]): boolean {
  if (offset + expected.length > bytes.length) return false;
  return expected.every((byte, i) => bytes[offset + i] === byte);
}

/** ASCII bytes of a string, for magic comparisons. */
export function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

/** A NUL-terminated text field, decoded as Latin-1 so any byte maps to one character. */
export function cString(bytes: Uint8Array, offset: number, length: number): string {
  const field = bytes.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? field : field.subarray(0, end));
}

export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
