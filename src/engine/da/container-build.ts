/**
 * Writes DA container files for tests and the simulated phone, laid out as the real files in the corpus are
 * (reference §4.1): the magic bytes `99 88 66 22`, `entry_region_index` 0 (1 only for the chips whose real entries
 * carry 1), region[0] a small stub, DA1 in region[1] and DA2 in region[2]. The regions hold no code, only a marker
 * the simulated phone recognises (`ROMCTL-SIM-DA1 XFLASH hw=0x6797 load=0x200000 da2-sha256=…`), so no real DA is
 * ever needed.
 */
import { createHash } from 'node:crypto';
import { ExitCode, RomctlError } from '../../errors.js';
import { chipsForDaCode } from '../../knowledge/chips.js';
import {
  DA_ENTRY_MAGIC,
  DA_ENTRY_SIZE,
  DA_FILE_MAGIC,
  DA_FILE_TAG,
  DA_HEADER_SIZE,
  DA_MAGIC_OFFSET,
  DA_OLD_ENTRY_SIZE,
  DA_REGION_SIZE,
  DA_REGION_SLOTS,
} from './container.js';

export type SimDaProtocol = 'xflash' | 'legacy' | 'xml';

export interface BuildDaRegion {
  bytes: Uint8Array;
  loadAddress: number;
  signatureLength: number;
  /** `m_start_offset`; default the length without signature, as in most real regions */
  startOffset?: number;
}

export interface BuildDaEntry {
  /** DA code, e.g. 0x6797 */
  hwCode: number;
  hwSubCode?: number;
  hwVersion?: number;
  swVersion?: number;
  pageSize?: number;
  /** default: what real entries for this DA code carry (ENTRY_REGION_INDEX_ONE) */
  entryRegionIndex?: number;
  /** what the generated DA1/DA2 say they speak; default legacy or XFlash by the chip table (XML only when asked) */
  protocol?: SimDaProtocol;
  /** explicit regions instead of the generated env/DA1/DA2 triple */
  regions?: BuildDaRegion[];
}

export interface BuildDaContainerOptions {
  /** default: `MTK_DA_v6_…` when the entries speak XML (a V6 file), else `MTK_AllInOne_DA_v3` */
  identifier?: string;
  entries: BuildDaEntry[];
  /** the old 0xD8-byte entry layout (no sw_version) */
  oldLayout?: boolean;
}

export const SIM_DA_SIGNATURE_LENGTH = 0x100;
export const SIM_DA1_ADDRESS = 0x200000;
export const SIM_DA2_ADDRESS = 0x40000000;
/** region[0] of real entries: a 0x270-byte blob, unsigned, loaded at 0x50000000 on MT6580/MT6765/MT6785 */
const STUB_LENGTH = 0x270;
const STUB_ADDRESS = 0x50000000;
/** the DA codes whose real entries carry entry_region_index 1 (corpus: SP Flash Tool's MTK_AllInOne_DA/DA_PL) */
export const ENTRY_REGION_INDEX_ONE: ReadonlySet<number> = new Set([0x6573, 0x6575, 0x6577, 0x6583, 0x8135]);

const MARKER = 'ROMCTL-SIM-DA';
/** shaped like the real V6 file's `MTK_DA_v6_2022-04-02 23:43:58` */
export const SIM_V6_IDENTIFIER = 'MTK_DA_v6_romctl-sim';

function buildError(message: string): RomctlError {
  return new RomctlError(`buildDaContainer: ${message}`, { exitCode: ExitCode.internal });
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** A marker blob padded with a deterministic pattern and a signature-sized tail. */
function markerBlob(text: string, bodySize: number, signatureLength: number): Uint8Array {
  const head = ascii(`${text}\n`);
  const blob = new Uint8Array(Math.max(bodySize, head.length) + signatureLength);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 131 + 7) & 0xff;
  blob.set(head);
  return blob;
}

/**
 * The generated DA2 body (without signature) and DA1 (with signature), DA1 carrying DA2's hash as real DA1s do; an
 * XML DA1 also records where DA2 must be loaded (a real XML DA1 answers BOOT-TO elsewhere with "2nd DA address is
 * invalid").
 */
export function simDaStages(
  hwCode: number,
  protocol: SimDaProtocol = 'xflash',
): { da1: Uint8Array; da2: Uint8Array } {
  const name = protocol.toUpperCase();
  const code = `hw=0x${hwCode.toString(16)}`;
  const da2 = markerBlob(`${MARKER}2 ${name} ${code}`, 0x800, SIM_DA_SIGNATURE_LENGTH);
  // the legacy protocol uploads DA2 whole, signature included; XFlash and XML without it (reference §4.1)
  const hashed = protocol === 'legacy' ? da2 : da2.subarray(0, da2.length - SIM_DA_SIGNATURE_LENGTH);
  const load = `load=0x${SIM_DA1_ADDRESS.toString(16)}`;
  const da2Load = protocol === 'xml' ? ` da2-load=0x${SIM_DA2_ADDRESS.toString(16)}` : '';
  const da1 = markerBlob(
    `${MARKER}1 ${name} ${code} ${load} da2-sha256=${sha256Hex(hashed)}${da2Load}`,
    0x600,
    SIM_DA_SIGNATURE_LENGTH,
  );
  return { da1, da2 };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface SimDaIdentity {
  stage: 1 | 2;
  protocol: SimDaProtocol;
  hwCode: number;
  /** DA1 only: the address it is linked to run at (a real DA1 jumped to elsewhere crashes) */
  loadAddress: number | null;
  /** DA1 only: the hash DA2 must have */
  da2Sha256: string | null;
  /** XML DA1 only: the address DA2 must be loaded and started at */
  da2LoadAddress: number | null;
}

const IDENTITY =
  /^ROMCTL-SIM-DA([12]) (XFLASH|LEGACY|XML) hw=0x([0-9a-f]{1,4})(?: load=0x([0-9a-f]{1,8}) da2-sha256=([0-9a-f]{64})(?: da2-load=0x([0-9a-f]{1,8}))?)?\n/;
const PROTOCOL_NAMES: Record<string, SimDaProtocol> = { XFLASH: 'xflash', LEGACY: 'legacy', XML: 'xml' };

/** What a generated DA blob says it is, or null for anything else (real DA code, garbage). */
export function readSimDaIdentity(bytes: Uint8Array): SimDaIdentity | null {
  const m = IDENTITY.exec(String.fromCharCode(...bytes.subarray(0, 192)));
  if (!m) return null;
  const stage = m[1] === '1' ? 1 : 2;
  if (stage === 1 && !m[5]) return null;
  return {
    stage,
    protocol: PROTOCOL_NAMES[m[2] as string] as SimDaProtocol,
    hwCode: parseInt(m[3] as string, 16),
    loadAddress: m[4] === undefined ? null : parseInt(m[4], 16),
    da2Sha256: m[5] ?? null,
    da2LoadAddress: m[6] === undefined ? null : parseInt(m[6], 16),
  };
}

/** the protocol a generated entry speaks: as asked (XML only then), else legacy for legacy-era DA codes, else XFlash */
function protocolOf(entry: BuildDaEntry): SimDaProtocol {
  return entry.protocol ?? (chipsForDaCode(entry.hwCode)[0]?.daProtocol === 'legacy' ? 'legacy' : 'xflash');
}

function generatedRegions(entry: BuildDaEntry): BuildDaRegion[] {
  const { da1, da2 } = simDaStages(entry.hwCode, protocolOf(entry));
  return [
    { bytes: markerBlob(`${MARKER}-STUB`, STUB_LENGTH, 0), loadAddress: STUB_ADDRESS, signatureLength: 0 },
    { bytes: da1, loadAddress: SIM_DA1_ADDRESS, signatureLength: SIM_DA_SIGNATURE_LENGTH },
    { bytes: da2, loadAddress: SIM_DA2_ADDRESS, signatureLength: SIM_DA_SIGNATURE_LENGTH },
  ];
}

export function buildDaContainer(options: BuildDaContainerOptions): Uint8Array {
  if (options.entries.length === 0) throw buildError('at least one entry is needed');
  const entrySize = options.oldLayout ? DA_OLD_ENTRY_SIZE : DA_ENTRY_SIZE;
  const shift = options.oldLayout ? -4 : 0;
  const regionsPerEntry = options.entries.map((e) => e.regions ?? generatedRegions(e));
  const xml = options.entries.filter((e) => !e.regions && protocolOf(e) === 'xml').length;
  // mtkclient treats every entry of a file whose identifier names V6 as XML, so one file cannot mix them
  if (xml > 0 && xml < options.entries.filter((e) => !e.regions).length)
    throw buildError('XML (V6) entries cannot share a file with XFlash or legacy entries');
  const tableEnd = DA_HEADER_SIZE + options.entries.length * entrySize;
  const blobTotal = regionsPerEntry.flat().reduce((sum, r) => sum + r.bytes.length, 0);
  const out = new Uint8Array(tableEnd + blobTotal);
  const view = new DataView(out.buffer);
  const identifier = options.identifier ?? (xml > 0 ? SIM_V6_IDENTIFIER : 'MTK_AllInOne_DA_v3');
  if (identifier.length > 0x3f) throw buildError('identifier longer than 63 characters');
  out.set(ascii(DA_FILE_TAG));
  out.set(ascii(identifier), 0x20);
  view.setUint32(0x60, 4, true);
  out.set(DA_FILE_MAGIC, DA_MAGIC_OFFSET);
  view.setUint32(0x68, options.entries.length, true);
  let blobAt = tableEnd;
  options.entries.forEach((entry, index) => {
    const at = DA_HEADER_SIZE + index * entrySize;
    const regions = regionsPerEntry[index] as BuildDaRegion[];
    if (regions.length > DA_REGION_SLOTS) throw buildError(`entry ${index} has more than 10 regions`);
    view.setUint16(at, DA_ENTRY_MAGIC, true);
    view.setUint16(at + 2, entry.hwCode, true);
    view.setUint16(at + 4, entry.hwSubCode ?? 0x8a00, true);
    view.setUint16(at + 6, entry.hwVersion ?? 0xca00, true);
    if (!options.oldLayout) view.setUint16(at + 8, entry.swVersion ?? 0, true);
    view.setUint16(at + 0x0c + shift, entry.pageSize ?? 0, true);
    const regionIndex = entry.entryRegionIndex ?? (ENTRY_REGION_INDEX_ONE.has(entry.hwCode) ? 1 : 0);
    view.setUint16(at + 0x10 + shift, regionIndex, true);
    view.setUint16(at + 0x12 + shift, regions.length, true);
    regions.forEach((region, r) => {
      const d = at + 0x14 + shift + r * DA_REGION_SIZE;
      view.setUint32(d, blobAt, true);
      view.setUint32(d + 4, region.bytes.length, true);
      view.setUint32(d + 8, region.loadAddress, true);
      view.setUint32(d + 12, region.startOffset ?? region.bytes.length - region.signatureLength, true);
      view.setUint32(d + 16, region.signatureLength, true);
      out.set(region.bytes, blobAt);
      blobAt += region.bytes.length;
    });
  });
  return out;
}
