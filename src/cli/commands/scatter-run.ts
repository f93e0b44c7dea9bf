import { ExitCode, RomctlError } from '../../errors.js';
import {
  parseScatter,
  scatterAsV1,
  scatterToJson,
  writeScatterYaml,
  type Layout,
  type Partition,
  type Scatter,
} from '../../formats/scatter/index.js';
import { toHex } from '../../formats/scatter/values.js';
import { readUserFile } from '../input.js';
import type { Output } from '../output.js';

export interface ScatterCommandOptions {
  to?: string;
  storage?: string;
}

export async function runScatter(
  output: Output,
  file: string,
  options: ScatterCommandOptions,
): Promise<number> {
  const target = options.to?.toLowerCase();
  if (target !== undefined && target !== 'yaml' && target !== 'json') {
    throw new RomctlError(`--to ${options.to}: expected yaml or json`, {
      hint: 'use --to yaml or --to json',
    });
  }
  const scatter = parseScatter(await readUserFile(file, 'scatter file'), { fileName: file });
  for (const entry of scatter.skipped ?? [])
    output.note(
      `warning: ${file}:${entry.line}: entry ${entry.name ?? '(no partition_name)'} left out (not downloaded): ${entry.message}`,
    );
  if (target === 'yaml') {
    const v1 = scatterAsV1(scatter, { storage: options.storage });
    for (const note of v1.notes) output.note(`note: ${note}`);
    output.line(writeScatterYaml(v1).trimEnd());
  } else if (target === 'json' || output.json) {
    output.printJson(scatterToJson(scatter));
  } else {
    for (const note of scatter.notes) output.note(`note: ${note}`);
    printTables(output, scatter);
  }
  return ExitCode.ok;
}

function printTables(output: Output, scatter: Scatter): void {
  scatter.layouts.forEach((layout, position) => {
    if (position > 0) output.line();
    output.line(output.style.bold(headerLine(scatter, layout)));
    const rows = layout.partitions.map(row);
    const widths = COLUMNS.map((title, column) =>
      Math.max(title.length, ...rows.map((cells) => cells[column]!.length)),
    );
    const format = (cells: readonly string[]) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd();
    output.line(output.style.dim(format(COLUMNS)));
    for (const cells of rows) output.line(format(cells));
  });
  const partitions = scatter.layouts.flatMap((layout) => layout.partitions);
  if (partitions.some((partition) => partition.sizeDerived))
    output.line('~ size derived from the next start');
  if (partitions.some((partition) => partition.fileNameImplied))
    output.line('* file name implied by the partition name');
}

const COLUMNS = ['#', 'name', 'region', 'start', 'size', 'file', 'download', 'operation'] as const;

function headerLine(scatter: Scatter, layout: Layout): string {
  const version = scatter.configVersion === null ? '' : ` ${scatter.configVersion}`;
  return [
    `platform ${scatter.platform ?? '?'}`,
    `project ${scatter.project ?? '?'}`,
    `storage ${layout.storage ?? '?'}`,
    `format ${scatter.format}${version}`,
    `${layout.partitions.length} partitions`,
  ].join('  ');
}

function row(partition: Partition): string[] {
  const size =
    partition.size === null
      ? partition.isReserved
        ? '-'
        : 'to end'
      : `${partition.sizeDerived ? '~' : ''}${toHex(partition.size)}`;
  const start = `${toHex(partition.linearStart)}${partition.isReserved ? ' (end-relative)' : ''}`;
  return [
    String(partition.index),
    partition.name,
    partition.region ?? '-',
    start,
    size,
    partition.fileName === null ? '-' : `${partition.fileName}${partition.fileNameImplied ? ' *' : ''}`,
    partition.isDownload ? 'yes' : 'no',
    partition.operationType ?? '-',
  ];
}
