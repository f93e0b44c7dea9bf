/** Bytes → text for scatter files: BOMs stripped, UTF-16 (Notepad "Unicode") understood, Latin-1 if not UTF-8. */
export function decodeScatterText(input: string | Buffer): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if (input[0] === 0xff && input[1] === 0xfe) return input.subarray(2).toString('utf16le');
  if (input[0] === 0xfe && input[1] === 0xff) return swapBytes(input.subarray(2)).toString('utf16le');
  const body = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? input.subarray(3) : input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return body.toString('latin1');
  }
}

function swapBytes(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16();
}

/** The text's lines (CRLF, CR or LF), without their line ends; line n is at index n − 1. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** `file:line` (or `scatter:line` when the caller named no file) for RomctlError.where. */
export function whereLine(fileName: string | undefined, line: number): string {
  return `${fileName ?? 'scatter'}:${line}`;
}
