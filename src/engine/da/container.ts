/**
 * The DA container file (`MTK_DOWNLOAD_AGENT` header, one entry per chip, up to ten regions per entry), as laid
 * out in reference §4.1. All integers little-endian.
 */
import { ExitCode, RomctlError } from '../../errors.js';
import { chipsForDaCode, type DaProtocol } from '../../knowledge/chips.js';

export const DA_FILE_TAG = 'MTK_DOWNLOAD_AGENT';
/** the magic at 0x64 as the bytes on disk in every real DA file (a little-endian u32 read gives 0x22668899) */
export const DA_FILE_MAGIC = Uint8Array.of(0x99, 0x88, 0x66, 0x22);
export const DA_MAGIC_OFFSET = 0x64;
/** the identifier of XML (V6) DA files; mtkclient looks for it in the first 0x68 bytes */
export const DA_V6_IDENTIFIER = 'MTK_DA_v6';
export const DA_ENTRY_MAGIC = 0xdada;
export const DA_HEADER_SIZE = 0x6c;
export const DA_REGION_SLOTS = 10;
export const DA_REGION_SIZE = 20;
/** current files; old files lack sw_version and a reserved u16 (0xD8) */
export const DA_ENTRY_SIZE = 0xdc;
export const DA_OLD_ENTRY_SIZE = 0xd8;
const MAX_ENTRIES = 1024;

export interface DaRegion {
  /** file offset of the blob */
  offset: number;
  /** blob length including its signature */
  length: number;
  loadAddress: number;
  /** `m_start_offset`; penumbra reads it as the length without signature */
  startOffset: number;
  signatureLength: number;
}

export interface DaEntry {
  index: number;
  /** the chip's DA code, e.g. 0x6797 (not always the BROM hw code: MT6797 reports 0x279) */
  hwCode: number;
  hwSubCode: number;
  hwVersion: number;
  /** null in the old 0xD8-byte layout */
  swVersion: number | null;
  pageSize: number;
  /**
   * `entry_region_index` as stored: 0 in every real V5/V6 entry and most legacy ones, so it does not name the
   * region to upload (DA1 is region[1], DA2 region[2]; reference §4.1)
   */
  entryRegionIndex: number;
  regions: DaRegion[];
}

export interface DaContainer {
  identifier: string;
  /** the identifier names the V6 (XML) protocol, as mtkclient decides it */
  v6: boolean;
  formatVersion: number;
  magicOk: boolean;
  entrySize: number;
  entries: DaEntry[];
}

export interface ParseDaOptions {
  fileName?: string;
}

function fail(message: string, where: string | undefined, hint?: string): RomctlError {
  return new RomctlError(message, {
    exitCode: ExitCode.badInput,
    where,
    hint: hint ?? 'use the DA file (MTK_AllInOne_DA.bin, DA_*.bin) that came with the firmware package',
  });
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function cString(bytes: Uint8Array, at: number, size: number): string {
  const field = bytes.subarray(at, at + size);
  const end = field.indexOf(0);
  return latin1(end < 0 ? field : field.subarray(0, end));
}

export function parseDaContainer(bytes: Uint8Array, options: ParseDaOptions = {}): DaContainer {
  const where = options.fileName;
  if (bytes.length < DA_HEADER_SIZE || cString(bytes, 0, 0x20) !== DA_FILE_TAG) {
    throw fail(`not a DA file: no ${DA_FILE_TAG} header`, where);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const identifier = cString(bytes, 0x20, 0x40);
  const count = view.getUint32(0x68, true);
  const entrySize = isOldLayout(bytes, view) ? DA_OLD_ENTRY_SIZE : DA_ENTRY_SIZE;
  if (count === 0 || count > MAX_ENTRIES || DA_HEADER_SIZE + count * entrySize > bytes.length) {
    throw fail(`DA file declares ${count} entries, which do not fit its ${bytes.length} bytes`, where);
  }
  const entries = Array.from({ length: count }, (_, index) =>
    parseEntry(
      bytes,
      view,
      DA_HEADER_SIZE + index * entrySize,
      index,
      entrySize === DA_OLD_ENTRY_SIZE,
      where,
    ),
  );
  return {
    identifier,
    v6: latin1(bytes.subarray(0, 0x68)).includes(DA_V6_IDENTIFIER),
    formatVersion: view.getUint32(0x60, true),
    magicOk: DA_FILE_MAGIC.every((b, i) => bytes[DA_MAGIC_OFFSET + i] === b),
    entrySize,
    entries,
  };
}

/** mtkclient's test: an entry magic where the second new-layout entry would still be inside the first */
function isOldLayout(bytes: Uint8Array, view: DataView): boolean {
  const at = DA_HEADER_SIZE + DA_OLD_ENTRY_SIZE;
  return at + 2 <= bytes.length && view.getUint16(at, true) === DA_ENTRY_MAGIC;
}

function parseEntry(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  index: number,
  old: boolean,
  fileName: string | undefined,
): DaEntry {
  const where = `${fileName ?? 'DA file'} entry ${index} @ 0x${at.toString(16)}`;
  if (view.getUint16(at, true) !== DA_ENTRY_MAGIC) throw fail('DA entry lacks its 0xDADA magic', where);
  const shift = old ? -4 : 0;
  const regionCount = view.getUint16(at + 0x12 + shift, true);
  if (regionCount > DA_REGION_SLOTS)
    throw fail(`DA entry declares ${regionCount} regions, at most 10 fit`, where);
  const regions = Array.from({ length: regionCount }, (_, r) => {
    const d = at + 0x14 + shift + r * DA_REGION_SIZE;
    const region: DaRegion = {
      offset: view.getUint32(d, true),
      length: view.getUint32(d + 4, true),
      loadAddress: view.getUint32(d + 8, true),
      startOffset: view.getUint32(d + 12, true),
      signatureLength: view.getUint32(d + 16, true),
    };
    if (region.offset + region.length > bytes.length || region.signatureLength > region.length) {
      throw fail(
        `region ${r} (offset 0x${region.offset.toString(16)}, length 0x${region.length.toString(16)}, ` +
          `signature 0x${region.signatureLength.toString(16)}) lies outside the file's ${bytes.length} bytes`,
        where,
        'the DA file is truncated or damaged; download it again',
      );
    }
    return region;
  });
  return {
    index,
    hwCode: view.getUint16(at + 2, true),
    hwSubCode: view.getUint16(at + 4, true),
    hwVersion: view.getUint16(at + 6, true),
    swVersion: old ? null : view.getUint16(at + 8, true),
    pageSize: view.getUint16(at + 0x0c + shift, true),
    entryRegionIndex: view.getUint16(at + 0x10 + shift, true),
    regions,
  };
}

/** What the BROM reported about the chip, plus the names used in messages. */
export interface DaChipQuery {
  /** BROM hw code, e.g. 0x279 */
  hwCode: number;
  /** DA code the entries are keyed by (0x6797 for hw code 0x279); the hw code when not given */
  daCode?: number;
  /** e.g. MT6797, for messages */
  name?: string;
  hwSubCode?: number;
  hwVersion?: number;
  swVersion?: number;
}

const hex = (value: number) => `0x${value.toString(16)}`;

/**
 * mtkclient's choice: the first entry with the chip's DA code whose hw_version and sw_version are not newer than
 * the device's (a device version of 0 or unknown accepts any). The entry must carry DA1 and DA2 regions.
 */
export function pickDaEntry(container: DaContainer, chip: DaChipQuery, fileName?: string): DaEntry {
  const code = chip.daCode ?? chip.hwCode;
  const label = `${chip.name ?? 'chip'} (${hex(chip.hwCode)})`;
  const sameChip = container.entries.filter((e) => e.hwCode === code);
  if (sameChip.length === 0) {
    const codes = [...new Set(container.entries.map((e) => hex(e.hwCode)))];
    throw new RomctlError(`no DA entry for ${label} in this file (it has entries for ${codes.join(', ')})`, {
      exitCode: ExitCode.refused,
      where: fileName,
      hint: `use the DA file from this phone's firmware package (STATUS_DA_SELECTION_ERR 0xC0030003 otherwise)`,
    });
  }
  const fits = (entryValue: number | null, device: number | undefined) =>
    entryValue === null || !device || entryValue <= device;
  const entry = sameChip.find((e) => fits(e.hwVersion, chip.hwVersion) && fits(e.swVersion, chip.swVersion));
  if (!entry) {
    throw new RomctlError(
      `the DA entries for ${label} need a newer chip revision than hw ${hex(chip.hwVersion ?? 0)} / sw ${hex(chip.swVersion ?? 0)}`,
      { exitCode: ExitCode.refused, where: fileName, hint: 'use a DA file made for this chip revision' },
    );
  }
  if (entry.regions.length < 3) {
    throw fail(
      `the DA entry for ${label} has ${entry.regions.length} regions: DA1 and DA2 are region[1] and region[2]`,
      fileName,
    );
  }
  return entry;
}

/**
 * The two regions a real client uploads (reference §4.1): DA1 = region[1], sent by SEND_DA with its signature;
 * DA2 = region[2], sent by BOOT_TO without its signature on XFlash and XML, and whole by the legacy protocol.
 */
export function daStages(
  file: Uint8Array,
  entry: DaEntry,
  protocol: DaProtocol,
): { da1: DaStage; da2: DaStage } {
  const da1 = entry.regions[DA1_REGION];
  const da2 = entry.regions[DA2_REGION];
  if (!da1 || !da2)
    throw fail(`DA entry ${entry.index} has no DA1/DA2 regions (region[1], region[2])`, undefined);
  const da2Length = protocol === 'legacy' ? da2.length : da2.length - da2.signatureLength;
  return {
    da1: { ...da1, bytes: file.subarray(da1.offset, da1.offset + da1.length) },
    da2: { ...da2, bytes: file.subarray(da2.offset, da2.offset + da2Length) },
  };
}

export const DA1_REGION = 1;
export const DA2_REGION = 2;

export interface DaStage extends DaRegion {
  bytes: Uint8Array;
}

export type DaEntryProtocol = DaProtocol | 'unknown';

/**
 * The protocol an entry's DA speaks: XML for every entry of a V6 file (mtkclient switches to XML for them whatever
 * the chip), otherwise the DA generation of the chips its code serves; unknown for a code not in the chip table.
 */
export function entryProtocol(
  container: Pick<DaContainer, 'v6'>,
  entry: Pick<DaEntry, 'hwCode'>,
): DaEntryProtocol {
  if (container.v6) return 'xml';
  return chipsForDaCode(entry.hwCode)[0]?.daProtocol ?? 'unknown';
}
