/**
 * SP Flash Tool's `Checksum.ini` (reference §7.3): a Qt INI file next to the scatter with `[IsEnableChecksum]
 * CHECKSUM_SWITCH` and, under `[CheckSum]`, one 16-bit value per partition name. The value is the sum of every
 * byte of the image file modulo 2^16 (`ByteSum16`), which matches six images of two real packages.
 */
import { RomctlError } from '../errors.js';

export interface ChecksumEntry {
  /** partition name as written (SPFT looks it up by the scatter's partition name) */
  name: string;
  /** null when the text is not an unsigned number (SPFT then compares against 0) */
  value: number | null;
  text: string;
  line: number;
}

export interface ChecksumIniWarning {
  /** 1-based; 0 for what concerns the file as a whole */
  line: number;
  message: string;
}

export interface ChecksumIni {
  /** `[VERSION] VERSION` (`V1` in every file seen), null when absent */
  version: string | null;
  /** `[VERSION] TOOL`, e.g. `v5.1912.00` */
  tool: string | null;
  /** CHECKSUM_SWITCH read as Qt reads a boolean; false when absent (SPFT then skips the check) */
  enabled: boolean;
  entries: ChecksumEntry[];
  /** keys of sections romctl does not interpret (a possible MD5 "V2" section among them) */
  other: { section: string; key: string; value: string; line: number }[];
  /** lines that were skipped or are suspicious; the file still parsed */
  warnings: ChecksumIniWarning[];
}

const MAX_SIZE = 1 << 20;
const SECTION = /^\[([^\]]*)\]$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

export function parseChecksumIni(input: string | Uint8Array, name = 'Checksum.ini'): ChecksumIni {
  if (input.length > MAX_SIZE) {
    throw new RomctlError(`${input.length} bytes is far too large for a Checksum.ini`, {
      where: name,
      hint: 'this is not a Checksum.ini: remove or replace it',
    });
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const ini: ChecksumIni = {
    version: null,
    tool: null,
    enabled: false,
    entries: [],
    other: [],
    warnings: [],
  };
  const warn = (line: number, message: string): void => {
    ini.warnings.push({ line, message });
  };
  const seen = new Map<string, number>();
  let section: string | null = null;
  let switchSeen = false;
  let checksumSection = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (BINARY.test(raw)) {
      throw new RomctlError('binary data where Checksum.ini text was expected', {
        where: `${name}:${line}`,
        hint: 'the file is not a Checksum.ini or is damaged: remove it or take it from the package again',
      });
    }
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    const header = SECTION.exec(trimmed);
    if (header) {
      section = header[1]!.trim();
      if (section.toLowerCase() === 'checksum') checksumSection = true;
      return;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      warn(line, `not a [section], key=value or comment line: ${JSON.stringify(trimmed.slice(0, 60))}`);
      return;
    }
    const key = trimmed.slice(0, eq).trim();
    const value = unquote(trimmed.slice(eq + 1).trim());
    if (section === null) {
      warn(line, `${key} is outside any section; ignored`);
      return;
    }
    const where = section.toLowerCase();
    if (where === 'checksum') {
      const previous = seen.get(key.toLowerCase());
      if (previous !== undefined)
        warn(line, `${key} is listed again (first on line ${previous}); this value wins`);
      seen.set(key.toLowerCase(), line);
      const entry: ChecksumEntry = { name: key, value: parseUnsigned(value), text: value, line };
      if (entry.value === null) warn(line, `${key}=${value} is not an unsigned number`);
      else if (entry.value > 0xffff)
        warn(line, `${key}=${value} is wider than the 16-bit checksum: it can never match`);
      ini.entries = ini.entries.filter((e) => e.name.toLowerCase() !== key.toLowerCase()).concat(entry);
    } else if (where === 'isenablechecksum' && key.toUpperCase() === 'CHECKSUM_SWITCH') {
      switchSeen = true;
      ini.enabled = qtBool(value);
    } else if (where === 'version' && key.toUpperCase() === 'VERSION') {
      ini.version = value;
    } else if (where === 'version' && key.toUpperCase() === 'TOOL') {
      ini.tool = value;
    } else {
      ini.other.push({ section, key, value, line });
    }
  });
  if (!switchSeen) warn(0, 'no [IsEnableChecksum] CHECKSUM_SWITCH: SP Flash Tool skips the checksum check');
  if (!checksumSection) warn(0, 'no [CheckSum] section: there are no checksums to verify');
  return ini;
}

/** The entry SPFT would use for a scatter partition name (Qt INI keys compare case-insensitively). */
export function checksumFor(ini: ChecksumIni, partitionName: string): ChecksumEntry | undefined {
  const wanted = partitionName.toLowerCase();
  return ini.entries.find((entry) => entry.name.toLowerCase() === wanted);
}

/** Qt's QVariant string → bool: false only for "", "0" and "false". */
function qtBool(value: string): boolean {
  return !['', '0', 'false'].includes(value.toLowerCase());
}

/** Qt's toUInt with base 0: `0x…` hex, a leading 0 octal, else decimal; null when not a u32. */
function parseUnsigned(text: string): number | null {
  let value: number;
  if (/^0x[0-9a-f]+$/i.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) value = parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) value = parseInt(text, 10);
  else return null;
  return value <= 0xffffffff ? value : null;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

export interface ChecksumIniWriteOptions {
  /** default true */
  enabled?: boolean;
  /** default `romctl` */
  tool?: string;
  /** default CRLF, as the Windows tool writes */
  lineEnding?: '\r\n' | '\n';
}

export function writeChecksumIni(
  entries: readonly { name: string; value: number }[],
  options: ChecksumIniWriteOptions = {},
): string {
  const lines = [
    '[VERSION]',
    'VERSION=V1',
    `TOOL=${options.tool ?? 'romctl'}`,
    '[IsEnableChecksum]',
    `CHECKSUM_SWITCH=${options.enabled === false ? 0 : 1}`,
    '[CheckSum]',
    ...entries.map((entry) => `${entry.name}=0x${entry.value.toString(16).toUpperCase()}`),
  ];
  const eol = options.lineEnding ?? '\r\n';
  return lines.join(eol) + eol;
}

const LANES = 0x00ff00ff;
/** words per fold: 128 × 255 per 16-bit lane stays below 2^16, and each accumulator below 2^31 */
const FOLD = 128;
const NO_WORDS = new Uint32Array(0);

/**
 * The running sum of all bytes modulo 2^16, fed chunk by chunk. It reads aligned 32-bit words and adds even and
 * odd bytes in 16-bit lanes of two accumulators, folded every 128 words before a lane can carry: ~3× a byte loop,
 * which matters because it runs over every byte of a package next to sha256.
 */
export class ByteSum16 {
  private sum = 0;

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    let sum = this.sum;
    while (i < n && ((chunk.byteOffset + i) & 3) !== 0) sum += chunk[i++]!;
    const count = (n - i) >>> 2; // > 0 only once i is aligned
    const words = count > 0 ? new Uint32Array(chunk.buffer, chunk.byteOffset + i, count) : NO_WORDS;
    let k = 0;
    while (k + FOLD <= words.length) {
      let even = 0;
      let odd = 0;
      for (const stop = k + FOLD; k < stop; k += 4) {
        const a = words[k]!;
        const b = words[k + 1]!;
        const c = words[k + 2]!;
        const d = words[k + 3]!;
        even = (even + (a & LANES) + (b & LANES) + (c & LANES) + (d & LANES)) | 0;
        odd =
          (odd + ((a >>> 8) & LANES) + ((b >>> 8) & LANES) + ((c >>> 8) & LANES) + ((d >>> 8) & LANES)) | 0;
      }
      sum += (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
    }
    for (i += k * 4; i < n; i++) sum += chunk[i]!;
    this.sum = sum & 0xffff;
  }

  get value(): number {
    return this.sum;
  }
}
