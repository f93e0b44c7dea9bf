import { RomctlError } from '../../errors.js';
import { type ByteReader, hex, toHex } from './bytes.js';
import { decodeType, hasMr5, layoutsFor, type RecordLayout } from './emi-layouts.js';
import type { BloaderInfo, EmiRecord } from './types.js';

export const BLOADER_TAG = 'MTK_BLOADER_INFO_v';
/** header: tag (27 bytes), file name (61), `V116`, 0x33448822, 4 unknown bytes, `MTK_BIN\0`, u32 record count */
export const BLOADER_HEADER = {
  fileName: 0x1b,
  fileNameSize: 61,
  tagV116: 0x58,
  magic: 0x5c,
  binTag: 0x64,
  count: 0x6c,
  records: 0x70,
} as const;
export const BLOADER_MAGIC = 0x33448822;

export function projectFromFileName(fileName: string): string | null {
  return /^preloader_(.+)\.bin$/i.exec(fileName)?.[1] ?? null;
}

/** The board project a parsed preloader was built for: from its EMI block, else from the GFH file name. */
export function preloaderProject(info: {
  bloader: { project: string | null } | null;
  gfh: { fileInfo: { name: string } } | null;
}): string | null {
  if (info.bloader?.project) return info.bloader.project;
  return /^preloader_(.+?)(\.bin)?$/i.exec(info.gfh?.fileInfo.name ?? '')?.[1] ?? null;
}

/**
 * Parses an MTK_BLOADER_INFO block at `offset`. `end` is where the block must end when known (bare block: end
 * of file; inside a preloader: from the length word after it) — bytes beyond the records are reported.
 */
export function parseBloader(
  reader: ByteReader,
  offset: number,
  end: number | null,
  warnings: string[],
): BloaderInfo {
  if (!reader.startsWith(offset, BLOADER_TAG)) {
    throw new RomctlError(`no ${BLOADER_TAG} tag at offset ${hex(offset)}`, { where: reader.where });
  }
  const digits = reader.cString(offset + BLOADER_TAG.length, 2, 'bloader version');
  if (!/^\d\d$/.test(digits)) {
    throw new RomctlError(`${BLOADER_TAG} is followed by '${digits}', not a two-digit version`, {
      where: `${reader.where ?? 'input'} @ ${hex(offset)}`,
      hint: 'the block is damaged; take the preloader from the original firmware package',
    });
  }
  const version = Number(digits);
  // trimmed: early builds pad the name with spaces instead of NULs
  const fileName = reader
    .cString(offset + BLOADER_HEADER.fileName, BLOADER_HEADER.fileNameSize, 'bloader file name')
    .trimEnd();
  const base = {
    offset,
    version,
    fileName,
    project: projectFromFileName(fileName),
  };
  if (!reader.startsWith(offset + BLOADER_HEADER.binTag, 'MTK_BIN')) {
    warnings.push(
      `v${digits} block has no MTK_BIN tag at ${hex(offset + BLOADER_HEADER.binTag)}; no records read`,
    );
    return { ...base, recordCount: 0, recordSize: null, layout: 'unknown', records: [] };
  }
  if (reader.u32(offset + BLOADER_HEADER.magic, 'bloader header') !== BLOADER_MAGIC) {
    warnings.push(`v${digits} block header lacks the usual 0x33448822 marker`);
  }
  const recordCount = reader.u32(offset + BLOADER_HEADER.count, 'EMI record count');
  const start = offset + BLOADER_HEADER.records;
  const available = Math.max(0, Math.min(end ?? reader.length, reader.length) - start);
  if (isSpacePadded(reader, offset)) {
    // seen on an MT8173 EVB build: same tag, other record layout, count word padded with spaces
    warnings.push(
      `v${digits} record layout is unknown: the block is padded with spaces (an early build); records not read`,
    );
    return { ...base, recordCount, recordSize: null, layout: 'unknown', records: [] };
  }
  const layout = chooseLayout(layoutsFor(version), recordCount, available);
  if (!layout) {
    return { ...base, recordCount, ...splitUnknown(version, recordCount, available, end !== null, warnings) };
  }
  const fit = Math.floor(available / layout.size);
  if (recordCount > fit) {
    warnings.push(
      `v${digits} block says ${recordCount} EMI records of ${layout.size} bytes but only ${fit} fit in the ${available} bytes present (cut short)`,
    );
  } else if (end !== null && available > recordCount * layout.size) {
    warnings.push(
      `${available - recordCount * layout.size} bytes follow the ${recordCount} EMI records of v${digits}`,
    );
  }
  const records: EmiRecord[] = [];
  for (let i = 0; i < Math.min(recordCount, fit); i++) {
    records.push(decodeRecord(reader, start + i * layout.size, i, offset, layout, warnings));
  }
  return { ...base, recordCount, recordSize: layout.size, layout: layout.source, records };
}

function isSpacePadded(reader: ByteReader, offset: number): boolean {
  const padding = reader.slice(
    offset + BLOADER_TAG.length + 2,
    BLOADER_HEADER.fileName - BLOADER_TAG.length - 2,
    'tag',
  );
  return padding.every((b) => b === 0x20);
}

/** exact fit first; otherwise the version's usual layout */
function chooseLayout(
  candidates: readonly RecordLayout[],
  count: number,
  available: number,
): RecordLayout | null {
  return candidates.find((l) => count * l.size === available) ?? candidates[0] ?? null;
}

/** Unknown version: split the records by the size the block implies, if it implies one, and decode nothing. */
function splitUnknown(
  version: number,
  count: number,
  available: number,
  lengthKnown: boolean,
  warnings: string[],
): Pick<BloaderInfo, 'recordSize' | 'layout' | 'records'> {
  const name = `v${String(version).padStart(2, '0')}`;
  if (count === 0 || !lengthKnown || available % count !== 0 || available / count < 16) {
    warnings.push(
      `${name} record layout is unknown and its record size cannot be measured; records not read`,
    );
    return { recordSize: null, layout: 'unknown', records: [] };
  }
  const size = available / count;
  warnings.push(
    `${name} record layout is unknown; ${count} records split by the measured size of ${size} bytes, fields not decoded`,
  );
  const records = Array.from({ length: count }, (_, index) =>
    unknownRecord(index, BLOADER_HEADER.records + index * size),
  );
  return { recordSize: size, layout: 'unknown', records };
}

function unknownRecord(index: number, offset: number): EmiRecord {
  return {
    index,
    offset,
    type: null,
    package: 'unknown',
    dram: 'unknown',
    idLength: null,
    id: null,
    fwIdLength: null,
    fwId: null,
    rankSizes: null,
    dramVendorId: null,
  };
}

function decodeRecord(
  reader: ByteReader,
  at: number,
  index: number,
  blockOffset: number,
  layout: RecordLayout,
  warnings: string[],
): EmiRecord {
  const what = `EMI record ${index}`;
  const type = reader.u32(at + layout.type, what);
  const { package: pkg, dram } = decodeType(type);
  if (pkg === 'unknown' || dram === 'unknown') {
    warnings.push(`EMI record ${index} has type ${hex(type, 4)}, not a known package/DRAM combination`);
  }
  const idLength = layout.idLength === null ? null : reader.u32(at + layout.idLength, what);
  const idBytes = reader.slice(at + layout.id, layout.idCapacity, what);
  if (idLength !== null && idLength > layout.idCapacity) {
    warnings.push(
      `EMI record ${index} claims an id length of ${idLength}, more than the ${layout.idCapacity}-byte id field`,
    );
  }
  const fwIdLength = layout.fwIdLength === null ? null : reader.u32(at + layout.fwIdLength, what);
  const fwIdBytes = layout.fwId === null ? null : reader.slice(at + layout.fwId, 8, what);
  const ranks = layout.rankSizes;
  const rankSizes = ranks
    ? [0, 1, 2, 3].map((r) => reader.uint(at + ranks.offset + r * ranks.width, ranks.width, what))
    : null;
  const mr5 = layout.mr5 === null ? 0 : reader.u32(at + layout.mr5, what);
  return {
    index,
    offset: at - blockOffset,
    type,
    package: pkg,
    dram,
    idLength,
    id: toHex(idBytes.subarray(0, Math.min(idLength ?? idBytes.length, idBytes.length))),
    fwIdLength,
    fwId: fwIdBytes && fwIdLength !== null ? toHex(fwIdBytes.subarray(0, Math.min(fwIdLength, 8))) : null,
    rankSizes,
    // MR5 is one byte; 0 means unset and larger words belong to another union member (e.g. PCDDR3 MR0)
    dramVendorId: hasMr5(dram) && mr5 > 0 && mr5 <= 0xff ? mr5 : null,
  };
}
