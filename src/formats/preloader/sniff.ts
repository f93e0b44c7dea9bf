/** A short guess at what a file that is not a preloader is, for the one-line error. */
export function describeNonPreloader(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty file';
  const head = Buffer.from(bytes.subarray(0, 512));
  const startsWith = (...values: number[]) => values.every((v, i) => head[i] === v);
  if (startsWith(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (startsWith(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (startsWith(0x50, 0x4b, 0x03, 0x04)) return 'a zip archive';
  if (startsWith(0x1f, 0x8b)) return 'a gzip file';
  if (startsWith(0x7f, 0x45, 0x4c, 0x46)) return 'an ELF binary';
  if (startsWith(0x3a, 0xff, 0x26, 0xed)) return 'an Android sparse image';
  if (head.toString('latin1', 0, 8) === 'ANDROID!') return 'an Android boot image';
  if (bytes.every((b) => b === 0)) return `${bytes.length} zero bytes (an erased or empty area)`;
  if (bytes.every((b) => b === 0xff)) return `${bytes.length} bytes of 0xFF (erased flash)`;
  if (isText(head)) {
    const text = head.toString('utf8');
    if (/general\s*:\s*MTK_PLATFORM_CFG|partition_index|^\s*PRELOADER\s+0x/im.test(text))
      return 'a scatter file (text)';
    if (/^\s*</.test(text)) return 'an XML/HTML text file';
    return 'a text file';
  }
  return `${bytes.length} bytes of unrecognised binary data (no GFH, boot header or MTK_BLOADER_INFO)`;
}

function isText(head: Buffer): boolean {
  return head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f));
}
