import type { Layout, Partition, Scatter, ScatterFormat } from './model.js';
import { toHex } from './values.js';

/** The scatter as JSON (`--json`, `--to json`; schemas/scatter.schema.json): bigints as `0x` hex, no line numbers. */
export interface ScatterJson {
  format: ScatterFormat;
  configVersion: string | null;
  platform: string | null;
  project: string | null;
  extra: Record<string, string>;
  layouts: LayoutJson[];
  notes: string[];
}

export interface LayoutJson {
  storage: string | null;
  bootChannel: string | null;
  blockSize: string | null;
  extra: Record<string, string>;
  partitions: PartitionJson[];
}

export interface PartitionJson {
  index: number;
  name: string;
  fileName: string | null;
  fileNameImplied: boolean;
  isDownload: boolean;
  type: string | null;
  operationType: string | null;
  region: string | null;
  storage: string | null;
  linearStart: string;
  physicalStart: string;
  size: string | null;
  sizeDerived: boolean;
  isReserved: boolean;
  boundaryCheck: boolean;
  extra: Record<string, string>;
}

export function scatterToJson(scatter: Scatter): ScatterJson {
  return {
    format: scatter.format,
    configVersion: scatter.configVersion,
    platform: scatter.platform,
    project: scatter.project,
    extra: { ...scatter.extra },
    layouts: scatter.layouts.map(layoutToJson),
    notes: [...scatter.notes],
  };
}

function layoutToJson(layout: Layout): LayoutJson {
  return {
    storage: layout.storage,
    bootChannel: layout.bootChannel,
    blockSize: hexOrNull(layout.blockSize),
    extra: { ...layout.extra },
    partitions: layout.partitions.map(partitionToJson),
  };
}

function partitionToJson(partition: Partition): PartitionJson {
  return {
    index: partition.index,
    name: partition.name,
    fileName: partition.fileName,
    fileNameImplied: partition.fileNameImplied,
    isDownload: partition.isDownload,
    type: partition.type,
    operationType: partition.operationType,
    region: partition.region,
    storage: partition.storage,
    linearStart: toHex(partition.linearStart),
    physicalStart: toHex(partition.physicalStart),
    size: hexOrNull(partition.size),
    sizeDerived: partition.sizeDerived,
    isReserved: partition.isReserved,
    boundaryCheck: partition.boundaryCheck,
    extra: { ...partition.extra },
  };
}

function hexOrNull(value: bigint | null): string | null {
  return value === null ? null : toHex(value);
}
