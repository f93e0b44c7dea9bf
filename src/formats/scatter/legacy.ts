import { RomctlError } from '../../errors.js';
import { deriveSizes, isEndRelativeAddress } from './fields.js';
import type { Partition, Scatter } from './model.js';
import { splitLines, whereLine } from './text.js';
import { parseAddress, quote } from './values.js';

/*
 * The pre-YAML text scatter (`PRELOADER 0x0` + `{ }`, MT6516…MT6589) and the OTA layout list (`ota_scatter.txt`,
 * `update_scatter.txt`: the same `NAME 0xADDR` lines without braces). Neither states sizes, files or regions.
 */

const ENTRY_LINE = /^([A-Za-z_][\w.-]*)[ \t]+(0[xX][0-9a-fA-F]+|\d+)[ \t]*(\{[ \t]*\}?)?$/;
const NODL = /^__NODL_/i;

/** What SP Flash Tool loads for each legacy name (MTK's V1.1.1 files spell the same mapping out). */
const IMPLIED_FILE_NAMES: Readonly<Record<string, string>> = {
  PRELOADER: 'preloader.bin',
  DSP_BL: 'DSP_BL',
  MBR: 'MBR',
  EBR1: 'EBR1',
  EBR2: 'EBR2',
  UBOOT: 'lk.bin',
  BOOTIMG: 'boot.img',
  RECOVERY: 'recovery.img',
  SEC_RO: 'secro.img',
  LOGO: 'logo.bin',
  ANDROID: 'system.img',
  CACHE: 'cache.img',
  USRDATA: 'userdata.img',
};

/** Chips whose scatter without `_emmc` describes NAND (they predate eMMC boot on MTK). */
const NAND_ERA = new Set(['MT6516', 'MT6573', 'MT6575']);

export function parseLegacyScatter(text: string, fileName: string | undefined, ota: boolean): Scatter {
  const notes: string[] = [];
  const partitions = readEntries(text, fileName, ota);
  if (partitions.length === 0) {
    throw new RomctlError('no `NAME 0xADDRESS` entries found', {
      where: fileName ?? 'scatter',
      hint: 'a legacy scatter lists partitions as `PRELOADER 0x0` lines',
    });
  }
  deriveSizes(partitions);
  const platform = platformFromFileName(fileName);
  if (platform !== null) notes.push(`platform ${platform} taken from the file name`);
  if (ota) {
    notes.push(
      'OTA layout list (ota_scatter/update_scatter): names and start addresses only, not a download scatter',
    );
  } else {
    notes.push(
      'legacy scatter: sizes derived from the next start, image file names implied by partition names',
    );
  }
  const storage = ota ? null : inferStorage(partitions, platform, fileName, notes);
  return {
    format: ota ? 'ota' : 'legacy',
    configVersion: null,
    platform,
    project: null,
    extra: {},
    layouts: [{ storage, bootChannel: null, blockSize: null, extra: {}, partitions }],
    notes,
  };
}

function readEntries(text: string, fileName: string | undefined, ota: boolean): Partition[] {
  const partitions: Partition[] = [];
  let openBrace = 0;
  splitLines(text).forEach((raw, position) => {
    const line = position + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//')) return;
    const fail = (expected: string): never => {
      throw new RomctlError(`expected ${expected}, found ${quote(trimmed)}`, {
        where: whereLine(fileName, line),
        hint: 'fix or remove the line',
      });
    };
    if (openBrace > 0) {
      if (/^\}$/.test(trimmed)) openBrace = 0;
      else fail(`\`}\` closing the block opened at line ${openBrace}`);
      return;
    }
    if (trimmed === '{' || trimmed === '{}') {
      if (partitions.length === 0 || ota) fail('`NAME 0xADDRESS`');
      if (trimmed === '{') openBrace = line;
      return;
    }
    const match = ENTRY_LINE.exec(trimmed);
    if (!match) return fail('`NAME 0xADDRESS`');
    const written = match[1] ?? '';
    const braces = match[3];
    if (braces && ota) fail('`NAME 0xADDRESS` without braces');
    if (braces !== undefined && !braces.includes('}')) openBrace = line;
    const address = parseAddress(match[2] ?? '', { key: written, where: whereLine(fileName, line) });
    partitions.push(legacyPartition(written, address, partitions.length, line, ota));
  });
  if (openBrace > 0) {
    throw new RomctlError('a `{` block is not closed', {
      where: whereLine(fileName, openBrace),
      hint: 'add `}`',
    });
  }
  return partitions;
}

function legacyPartition(
  written: string,
  address: bigint,
  index: number,
  line: number,
  ota: boolean,
): Partition {
  const name = written.replace(NODL, '');
  const isDownload = !ota && !NODL.test(written);
  const isReserved = isEndRelativeAddress(address);
  const fileName = isDownload ? impliedFileName(name) : null;
  return {
    index,
    name,
    fileName,
    fileNameImplied: fileName !== null,
    isDownload,
    type: null,
    operationType: null,
    region: null,
    storage: null,
    // the format has one address: it is both the linear and the physical start
    linearStart: address,
    physicalStart: address,
    size: null,
    sizeDerived: false,
    isReserved,
    boundaryCheck: !isReserved,
    extra: {},
    line,
  };
}

/** The usual build output for a legacy name; unknown names get `<name>.img` in lower case. */
export function impliedFileName(name: string): string {
  return IMPLIED_FILE_NAMES[name.toUpperCase()] ?? `${name.toLowerCase()}.img`;
}

/** `MT6589_Android_scatter_emmc.txt` → MT6589 (a hint only: the content names no chip). */
export function platformFromFileName(fileName: string | undefined): string | null {
  const base = fileName?.split(/[\\/]/).pop() ?? '';
  const match = /^(MT\d{4}[A-Z]?)(?=[_.\-\s])/i.exec(base);
  return match?.[1] ? match[1].toUpperCase() : null;
}

function inferStorage(
  partitions: Partition[],
  platform: string | null,
  fileName: string | undefined,
  notes: string[],
): string | null {
  const base = fileName?.split(/[\\/]/).pop() ?? '';
  if (/_emmc\b|_emmc[._]/i.test(base)) {
    notes.push('storage EMMC inferred from the `_emmc` file name');
    return 'EMMC';
  }
  if (partitions.some((partition) => /^(MBR|EBR\d)$/i.test(partition.name))) {
    notes.push('storage EMMC inferred from the MBR/EBR partitions');
    return 'EMMC';
  }
  if (platform !== null && NAND_ERA.has(platform)) {
    notes.push(`storage NAND inferred: ${platform} scatter without \`_emmc\` and without MBR`);
    return 'NAND';
  }
  notes.push('storage unknown: no `_emmc` in the file name and no MBR/EBR partitions');
  return null;
}
