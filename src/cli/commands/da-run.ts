import { basename } from 'node:path';
import {
  DA1_REGION,
  DA2_REGION,
  entryProtocol,
  parseDaContainer,
  pickDaEntry,
  type DaContainer,
  type DaEntry,
  type DaRegion,
} from '../../engine/da/container.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { chipForHwCode, chipForPlatform, chipsForDaCode, type ChipInfo } from '../../knowledge/chips.js';
import { readUserFile } from '../input.js';
import type { Output } from '../output.js';

const hex = (value: number) => `0x${value.toString(16)}`;

function regionJson(region: DaRegion) {
  return {
    offset: hex(region.offset),
    length: hex(region.length),
    loadAddress: hex(region.loadAddress),
    signatureLength: hex(region.signatureLength),
  };
}

function stageJson(entry: DaEntry, index: number) {
  const region = entry.regions[index];
  return region ? { region: index, ...regionJson(region) } : null;
}

function entryJson(container: DaContainer, entry: DaEntry) {
  const chips = chipsForDaCode(entry.hwCode);
  return {
    index: entry.index,
    hwCode: hex(entry.hwCode),
    hwSubCode: hex(entry.hwSubCode),
    hwVersion: hex(entry.hwVersion),
    swVersion: entry.swVersion === null ? null : hex(entry.swVersion),
    chip: chips[0]?.names[0] ?? null,
    chips: chips.flatMap((c) => c.names),
    protocol: entryProtocol(container, entry),
    entryRegionIndex: entry.entryRegionIndex,
    regions: entry.regions.map(regionJson),
    stage1: stageJson(entry, DA1_REGION),
    stage2: stageJson(entry, DA2_REGION),
  };
}

interface Pick {
  chip: string;
  hwCode: string;
  daCode: string;
  entry: number | null;
  reason: string;
}

/** `MT6589`, `mt6797`, or a BROM hw code `0x6583` / `0x279` */
function chipOf(text: string): ChipInfo {
  const chip = /^0x[0-9a-f]+$/i.test(text) ? chipForHwCode(Number(text)) : chipForPlatform(text);
  if (!chip) {
    throw new RomctlError(`'${text}' is not a chip or BROM hw code romctl knows`, {
      hint: 'give a chip name such as MT6589 or the hw code romctl detect shows, such as 0x6583',
    });
  }
  return chip;
}

function pickFor(container: DaContainer, file: string, chip: ChipInfo): Pick {
  const base = { chip: chip.names[0] as string, hwCode: hex(chip.hwCode), daCode: hex(chip.daCode) };
  try {
    const entry = pickDaEntry(container, { hwCode: chip.hwCode, daCode: chip.daCode, name: base.chip }, file);
    const same = container.entries.filter((e) => e.hwCode === chip.daCode).length;
    const protocol = entryProtocol(container, entry);
    return {
      ...base,
      entry: entry.index,
      reason:
        `the ${base.chip} (hw code ${base.hwCode}) is served by entries with DA code ${base.daCode}; ` +
        (same > 1
          ? `of these ${same}, a phone gets the first whose hw and sw versions are not newer than its own: ` +
            `without the phone's versions, entry ${entry.index}`
          : 'this file has one') +
        (protocol === 'xflash' || protocol === 'legacy'
          ? ''
          : `; it speaks ${protocol}, which romctl flash refuses`),
    };
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    return { ...base, entry: null, reason: error.message };
  }
}

function printHuman(output: Output, file: string, container: DaContainer, pick: Pick | null): void {
  const { style } = output;
  const kind = container.v6 ? 'V6 (XML protocol)' : 'legacy/XFlash container';
  output.line(
    `${style.bold(basename(file))}: ${container.identifier}, ${container.entries.length} entries, ${kind}` +
      (container.magicOk ? '' : style.yellow(' — magic is not 99 88 66 22')),
  );
  const rows = container.entries.map((entry) => {
    const json = entryJson(container, entry);
    const stage = (s: ReturnType<typeof stageJson>) =>
      s ? `${s.length} @ ${s.loadAddress} sig ${s.signatureLength}` : '—';
    return [
      String(entry.index),
      json.hwCode,
      json.chip ?? '?',
      json.protocol,
      json.hwVersion,
      json.swVersion ?? '—',
      stage(json.stage1),
      stage(json.stage2),
    ];
  });
  const header = [
    '#',
    'DA code',
    'chip',
    'protocol',
    'hw ver',
    'sw ver',
    'DA1 = region[1]',
    'DA2 = region[2]',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  output.line(style.dim(format(header)));
  for (const row of rows) output.line(format(row));
  if (pick) {
    const verdict = pick.entry === null ? style.red('no entry') : style.green(`entry ${pick.entry}`);
    output.line(`${pick.chip} (hw code ${pick.hwCode}): ${verdict} — ${pick.reason}`);
  }
}

export async function runDa(output: Output, file: string, options: { chip?: string }): Promise<number> {
  const chip = options.chip === undefined ? null : chipOf(options.chip);
  const container = parseDaContainer(await readUserFile(file, 'DA file'), { fileName: file });
  const pick = chip ? pickFor(container, file, chip) : null;
  if (output.json) {
    output.printJson({
      file,
      identifier: container.identifier,
      v6: container.v6,
      formatVersion: container.formatVersion,
      magicOk: container.magicOk,
      entrySize: hex(container.entrySize),
      entries: container.entries.map((e) => entryJson(container, e)),
      ...(pick ? { pick } : {}),
    });
  } else {
    printHuman(output, file, container, pick);
  }
  return pick?.entry === null ? ExitCode.refused : ExitCode.ok;
}
