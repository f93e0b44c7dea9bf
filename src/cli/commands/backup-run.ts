import { resolve } from 'node:path';
import type { DeviceFacts } from '../../check/index.js';
import { PROTECTED_PARTITIONS } from '../../check/rules/data-safety.js';
import { backupPartitions, type BackupRange } from '../../engine/backup.js';
import { emiBlockFromPreloader } from '../../engine/da/emi-block.js';
import type { GptTable } from '../../engine/da/gpt.js';
import { openFlashSession } from '../../engine/flash-session.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { canonicalPartitionName } from '../../formats/scatter/model.js';
import { openRegistry } from '../../registry/registry.js';
import { registryReadOptions } from '../registry-options.js';
import { deviceFactsFor } from '../../registry/resolve-device.js';
import type { CliIo } from '../context.js';
import { readUserFile } from '../input.js';
import { readCredentials } from './credentials.js';
import type { Output } from '../output.js';
import { createProgress, formatBytes, type ProgressReporter } from '../progress.js';
import type { BackupCommandOptions } from './backup.js';
import { checkLinkOptions, openDeviceLink } from './flash-link.js';
import { expectationsOf } from './flash-prepare.js';

/** `romctl backup`: the protected partitions, read from the phone into a folder with a verified manifest. */
export async function runBackup(output: Output, options: BackupCommandOptions, io: CliIo): Promise<number> {
  checkLinkOptions(options);
  const { facts: device } = await deviceFactsFor(
    await openRegistry({ ...registryReadOptions(output, options, io.env), env: io.env }),
    options.device,
  );
  const emiBlock =
    options.preloader === undefined
      ? null
      : emiBlockFromPreloader(await readUserFile(options.preloader, 'preloader'), options.preloader).block;
  const daFile = options.da === undefined ? null : await readUserFile(options.da, 'DA file');
  if (!daFile && options.sim === undefined) {
    throw new RomctlError('romctl backup needs the phone’s Download Agent', {
      exitCode: ExitCode.badInput,
      hint: 'give --da MTK_AllInOne_DA.bin from this phone’s firmware package',
    });
  }
  const credentials = await readCredentials(options);
  const link = await openDeviceLink(output, options);
  let progress: ProgressReporter | null = null;
  try {
    const session = await openFlashSession({
      transport: link.transport,
      daFile: daFile ?? (link.simDa as Uint8Array),
      emiBlock,
      expect: expectationsOf(device),
      ...credentials,
      preloaderPort: link.preloaderPort,
      ...(link.reconnect ? { reconnect: link.reconnect } : {}),
    });
    const table = await session.client.partitionTable().catch(() => null);
    const ranges = protectedRanges(table, device);
    const shown = createProgress({
      stream: io.stderr,
      quiet: output.quiet || output.json,
      steps: ranges.map((range) => ({ label: range.partition, bytes: Number(range.size) })),
    });
    progress = shown;
    let index = -1;
    const manifest = await backupPartitions(
      session.client,
      ranges,
      resolve(options.out),
      { device: device.codename, storageId: session.storage.id },
      (label, done, total) => {
        const next = ranges.findIndex((range) => label.endsWith(` ${range.partition}`));
        if (next !== index && next >= 0) {
          if (index >= 0) shown.finishStep(index, { state: 'done' });
          index = next;
          shown.startStep(index);
        }
        shown.update(label, Number(done), Number(total));
      },
    );
    if (index >= 0) shown.finishStep(index, { state: 'done' });
    shown.end();
    await session.client.shutdown('normal');
    if (output.json) {
      output.printJson({ dir: resolve(options.out), ...manifest });
    } else {
      for (const entry of manifest.partitions) {
        output.line(
          `${entry.partition.padEnd(10)} ${formatBytes(Number(entry.size)).padStart(10)}  sha256 ${entry.sha256}`,
        );
      }
      output.line(`${manifest.partitions.length} partitions copied and verified → ${resolve(options.out)}`);
    }
    return ExitCode.ok;
  } finally {
    progress?.end();
    await link.close();
  }
}

/** the phone's own GPT when it has one; else the device's known layout from the registry */
function protectedRanges(table: GptTable | null, device: DeviceFacts): BackupRange[] {
  const isProtected = (name: string) => PROTECTED_PARTITIONS.has(canonicalPartitionName(name));
  if (table) {
    return table.partitions
      .filter((p) => isProtected(p.name))
      .map((p) => ({
        partition: p.name,
        name: canonicalPartitionName(p.name),
        section: 'user',
        address: p.start,
        size: p.size,
      }));
  }
  const layout = device.layouts[0];
  const ranges = (layout?.partitions ?? []).flatMap((p): BackupRange[] =>
    isProtected(p.name) && p.size !== null
      ? [
          {
            partition: p.name,
            name: canonicalPartitionName(p.name),
            section: 'user',
            address: p.start,
            size: p.size,
          },
        ]
      : [],
  );
  if (ranges.length === 0) {
    throw new RomctlError(
      `the phone has no partition table and the registry knows no layout for ${device.codename}`,
      {
        exitCode: ExitCode.device,
        hint: 'nothing to locate the protected partitions by',
      },
    );
  }
  return ranges;
}
