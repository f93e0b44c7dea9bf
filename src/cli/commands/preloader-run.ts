import { basename } from 'node:path';
import { ExitCode } from '../../errors.js';
import {
  describeRecord,
  matchMemory,
  parseMemorySpec,
  parsePreloader,
  type EmiRecord,
  type MemoryMatch,
  type PreloaderInfo,
} from '../../formats/preloader/index.js';
import { readUserFile } from '../input.js';
import type { Output } from '../output.js';

const hex = (value: number) => `0x${value.toString(16)}`;

function recordJson(r: EmiRecord) {
  return {
    index: r.index,
    type: r.type === null ? null : `0x${r.type.toString(16).padStart(4, '0')}`,
    package: r.package,
    dram: r.dram,
    idLength: r.idLength,
    id: r.id,
    fwId: r.fwId,
    rankSizes: r.rankSizes,
    dramVendorId: r.dramVendorId,
  };
}

/** the `--json` document described by schemas/preloader.schema.json (bigints print as 0x hex) */
export function preloaderJson(file: string, info: PreloaderInfo, match: MemoryMatch | null) {
  const { bootHeader, gfh, bloader } = info;
  return {
    file,
    kind: info.kind,
    size: info.size,
    bootHeader: bootHeader && {
      identifier: bootHeader.identifier,
      version: bootHeader.version,
      headerSize: hex(bootHeader.headerSize),
      gfhOffset: bootHeader.gfhOffset === null ? null : hex(bootHeader.gfhOffset),
      brlyt: bootHeader.brlyt && {
        offset: hex(bootHeader.brlyt.offset),
        version: bootHeader.brlyt.version,
        bootRegionAddr: hex(bootHeader.brlyt.bootRegionAddr),
        mainRegionAddr: hex(bootHeader.brlyt.mainRegionAddr),
        descriptors: bootHeader.brlyt.descriptors.map((d) => ({
          flashDev: d.flashDev,
          fileType: d.fileType,
          begin: hex(d.begin),
          boundary: hex(d.boundary),
          attr: hex(d.attr),
        })),
      },
    },
    gfh: gfh && {
      offset: hex(gfh.offset),
      blocks: gfh.blocks.map((b) => ({
        offset: hex(b.offset),
        type: b.typeName,
        typeCode: b.type,
        version: b.version,
        size: hex(b.size),
      })),
      fileInfo: {
        ...gfh.fileInfo,
        loadAddr: hex(gfh.fileInfo.loadAddr),
        fileLength: hex(gfh.fileInfo.fileLength),
        maxSize: hex(gfh.fileInfo.maxSize),
        contentOffset: hex(gfh.fileInfo.contentOffset),
        sigLength: hex(gfh.fileInfo.sigLength),
        jumpOffset: hex(gfh.fileInfo.jumpOffset),
        attr: hex(gfh.fileInfo.attr),
      },
      signature: { type: gfh.fileInfo.sigTypeName, length: hex(gfh.fileInfo.sigLength) },
    },
    romInfo: info.romInfo && { platformId: info.romInfo.platformId, projectId: info.romInfo.projectId },
    bloader: bloader && {
      version: bloader.version,
      fileName: bloader.fileName,
      project: bloader.project,
      offset: hex(bloader.offset),
      recordCount: bloader.recordCount,
      recordSize: bloader.recordSize,
      layout: bloader.layout,
      records: bloader.records.map(recordJson),
    },
    ...(match
      ? {
          memoryMatch: {
            verdict: match.verdict,
            matched: match.matched.map((r) => r.index),
            reason: match.reason,
          },
        }
      : {}),
    warnings: info.warnings,
  };
}

function printHuman(output: Output, file: string, info: PreloaderInfo, match: MemoryMatch | null): void {
  const { style } = output;
  const kindText = {
    preloader: 'preloader',
    'boot-area': `boot-area read-back (${info.bootHeader?.identifier ?? '?'})`,
    'emi-block': 'bare MTK_BLOADER_INFO block',
  }[info.kind];
  output.line(`${style.bold(basename(file))}: ${kindText}, ${info.size} bytes`);
  if (info.gfh) {
    const fi = info.gfh.fileInfo;
    output.line(
      `GFH: ${fi.fileTypeName}, ${info.gfh.blocks.map((b) => b.typeName).join(' → ')}; length ${hex(fi.fileLength)} of max ${hex(fi.maxSize)}, load ${hex(fi.loadAddr)}, signature ${fi.sigTypeName} (${hex(fi.sigLength)} bytes)`,
    );
  }
  if (info.romInfo)
    output.line(style.dim(`ROM info platform id: ${info.romInfo.platformId} (often a placeholder)`));
  const bl = info.bloader;
  if (!bl) {
    output.line(style.yellow('no MTK_BLOADER_INFO: the memories this preloader boots are unknown'));
  } else {
    const name = bl.project ? `${bl.fileName} (project ${bl.project})` : bl.fileName;
    output.line(`MTK_BLOADER_INFO v${String(bl.version).padStart(2, '0')}: ${name}`);
    const layoutNote = bl.layout === 'documented' ? '' : style.dim(` — record layout ${bl.layout}`);
    output.line(
      `Memories it can boot (${bl.records.length} of ${bl.recordCount} records read)${layoutNote}:`,
    );
    for (const record of bl.records)
      output.line(`  ${String(record.index).padStart(2)}  ${describeRecord(record)}`);
  }
  if (match) {
    const colour =
      match.verdict === 'match' ? style.green : match.verdict === 'no-match' ? style.red : style.yellow;
    output.line(`Memory check: ${colour(match.verdict)} — ${match.reason}`);
  }
  for (const warning of info.warnings) output.line(style.yellow(`warning: ${warning}`));
}

export async function runPreloader(
  output: Output,
  file: string,
  options: { memory?: string },
): Promise<number> {
  const memory = options.memory === undefined ? null : parseMemorySpec(options.memory);
  const bytes = await readUserFile(file, 'preloader');
  const info = parsePreloader(bytes, { fileName: file });
  const match = memory ? matchMemory(info.bloader, memory) : null;
  if (output.json) output.printJson(preloaderJson(file, info, match));
  else printHuman(output, file, info, match);
  return match?.verdict === 'no-match' ? ExitCode.refused : ExitCode.ok;
}
