import { RomctlError } from '../../errors.js';
import { BLOADER_TAG, parseBloader } from './bloader.js';
import { bootIdentifierAt0, parseBootHeader } from './boot-header.js';
import { ByteReader, hex } from './bytes.js';
import { FILE_INFO_MAGIC, isFileInfoAt, parseGfh } from './gfh.js';
import { describeNonPreloader } from './sniff.js';
import type { BloaderInfo, BootHeader, Gfh, PreloaderInfo, RomInfo } from './types.js';

export interface ParsePreloaderOptions {
  /** the file's name, used in error locations */
  fileName?: string;
}

/** mtkclient drops this much and re-reads the length word when the last word of the body is 0 */
const BLOADER_LENGTH_RETRY = 0x800;
/** how far into a boot area we look for the GFH when the BRLYT does not say */
const GFH_SCAN_LIMIT = 0x10000;

/**
 * Reads a preloader as shipped (bare GFH), a boot-area read-back (EMMC_BOOT/UFS_BOOT + BRLYT + GFH) or a bare
 * MTK_BLOADER_INFO block. Damage inside a recognised file becomes a warning; input that is not a preloader at all
 * is a RomctlError saying what it looks like.
 */
export function parsePreloader(bytes: Uint8Array, options: ParsePreloaderOptions = {}): PreloaderInfo {
  const reader = new ByteReader(bytes, options.fileName);
  const warnings: string[] = [];
  if (reader.startsWith(0, BLOADER_TAG)) {
    const bloader = parseBloader(reader, 0, bytes.length, warnings);
    return result('emi-block', reader, null, null, bloader, warnings);
  }
  const identifier = bootIdentifierAt0(reader);
  if (identifier) {
    const bootHeader = parseBootHeader(reader, identifier, warnings);
    const gfhOffset = locateGfhInBootArea(reader, bootHeader, warnings);
    bootHeader.gfhOffset = gfhOffset;
    return fromGfh('boot-area', reader, bootHeader, gfhOffset, warnings);
  }
  if (isFileInfoAt(reader, 0)) return fromGfh('preloader', reader, null, 0, warnings);
  const tagAt = reader.find(BLOADER_TAG);
  if (tagAt >= 0) {
    warnings.push(`no GFH header: a raw code image; ${BLOADER_TAG} found by scanning at ${hex(tagAt)}`);
    return result('preloader', reader, null, null, safeBloader(reader, tagAt, null, warnings), warnings);
  }
  throw new RomctlError(`${describeNonPreloader(bytes)}, expected a preloader`, {
    where: options.fileName,
    hint: 'give a preloader_<project>.bin, a boot-area read-back (EMMC_BOOT/UFS_BOOT) or an MTK_BLOADER_INFO block',
  });
}

function result(
  kind: PreloaderInfo['kind'],
  reader: ByteReader,
  bootHeader: BootHeader | null,
  gfh: Gfh | null,
  bloader: BloaderInfo | null,
  warnings: string[],
): PreloaderInfo {
  return { kind, size: reader.length, bootHeader, gfh, romInfo: findRomInfo(reader), bloader, warnings };
}

function locateGfhInBootArea(reader: ByteReader, header: BootHeader, warnings: string[]): number | null {
  const declared = header.brlyt?.bootRegionAddr;
  if (declared !== undefined && isFileInfoAt(reader, declared)) return declared;
  const found = reader.find(FILE_INFO_MAGIC, 0, GFH_SCAN_LIMIT);
  if (found >= 0 && declared !== undefined) {
    warnings.push(`BRLYT points at ${hex(declared)} but the GFH is at ${hex(found)}`);
  }
  return found >= 0 ? found : null;
}

function fromGfh(
  kind: 'preloader' | 'boot-area',
  reader: ByteReader,
  bootHeader: BootHeader | null,
  gfhOffset: number | null,
  warnings: string[],
): PreloaderInfo {
  if (gfhOffset === null) {
    warnings.push('no GFH FILE_INFO found in the boot area');
    const tagAt = reader.find(BLOADER_TAG);
    return result(
      kind,
      reader,
      bootHeader,
      null,
      tagAt >= 0 ? safeBloader(reader, tagAt, null, warnings) : null,
      warnings,
    );
  }
  const gfh = parseGfh(reader, gfhOffset, warnings);
  return result(kind, reader, bootHeader, gfh, locateBloader(reader, gfh, warnings), warnings);
}

/**
 * MediaTek's placement (as mtkclient reads it): the body is [GFH, GFH + file_len − sig_len); its last u32 is the
 * block length L and the block is the L bytes before that word. Falls back to scanning, with a warning.
 */
function locateBloader(reader: ByteReader, gfh: Gfh, warnings: string[]): BloaderInfo | null {
  const bodyEnd = gfh.offset + gfh.fileInfo.fileLength - gfh.fileInfo.sigLength;
  for (const end of [bodyEnd, bodyEnd - BLOADER_LENGTH_RETRY]) {
    if (!reader.has(end - 4, 4) || end - 4 < gfh.offset) continue;
    const length = reader.u32(end - 4, 'bloader length');
    const start = end - 4 - length;
    if (length > 0 && start >= gfh.offset && reader.startsWith(start, BLOADER_TAG)) {
      return safeBloader(reader, start, end - 4, warnings);
    }
  }
  const tagAt = reader.find(BLOADER_TAG, gfh.offset);
  if (tagAt < 0) {
    warnings.push(`no ${BLOADER_TAG} block: this preloader carries no EMI/DRAM table`);
    return null;
  }
  warnings.push(
    `${BLOADER_TAG} block is not where the GFH lengths put it; found by scanning at ${hex(tagAt)}`,
  );
  return safeBloader(reader, tagAt, null, warnings);
}

/** a damaged bloader inside an otherwise readable preloader is a warning, not a failure of the whole file */
function safeBloader(
  reader: ByteReader,
  at: number,
  end: number | null,
  warnings: string[],
): BloaderInfo | null {
  try {
    return parseBloader(reader, at, end, warnings);
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    warnings.push(`${BLOADER_TAG} block at ${hex(at)} unreadable: ${error.message}`);
    return null;
  }
}

const ROMINFO_TAG = 'AND_ROMINFO_v';

/** `AND_ROMINFO_v` tag (16 bytes), u32 version, platform id [16], project id [16] */
function findRomInfo(reader: ByteReader): RomInfo | null {
  const at = reader.find(ROMINFO_TAG);
  if (at < 0 || !reader.has(at, 0x34)) return null;
  return {
    offset: at,
    platformId: reader.cString(at + 0x14, 16, 'AND_ROMINFO platform id'),
    projectId: reader.cString(at + 0x24, 16, 'AND_ROMINFO project id'),
  };
}
