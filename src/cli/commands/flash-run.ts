import { basename, resolve } from 'node:path';
import type { Finding } from '../../check/index.js';
import { executePlan, type FlashEvent, type FlashResult } from '../../engine/executor.js';
import type { LayoutChange } from '../../engine/phone-layout.js';
import {
  buildFlashPlan,
  describeStep,
  overrideAdvice,
  PlanRefusedError,
  type FlashPlan,
} from '../../engine/plan.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { openRegistry } from '../../registry/registry.js';
import { deviceFactsFor } from '../../registry/resolve-device.js';
import type { CliIo } from '../context.js';
import { readUserFile } from '../input.js';
import type { Output } from '../output.js';
import { createProgress, formatBytes, type ProgressReporter } from '../progress.js';
import type { FlashCommandOptions } from './flash.js';
import { openDeviceLink } from './flash-link.js';
import { checkForFlash, expectationsOf, type CheckedPackage } from './flash-prepare.js';

/** `romctl flash`: check → plan → (only then) the phone: connect, verify, back up, write, verify, reboot. */
export async function runFlash(
  output: Output,
  path: string,
  options: FlashCommandOptions,
  io: CliIo,
): Promise<number> {
  const { facts: device } = await deviceFactsFor(
    await openRegistry({ dir: options.registry }),
    options.device,
  );
  const pkg = await checkForFlash(path, device, options.mode);
  try {
    let plan: FlashPlan;
    try {
      plan = buildFlashPlan(pkg.facts, pkg.report, {
        mode: options.mode,
        withPreloader: options.withPreloader === true,
        acceptRisk: options.acceptRisk ?? [],
      });
    } catch (error) {
      if (!(error instanceof PlanRefusedError)) throw error;
      printRefusal(output, error.findings);
      return ExitCode.refused;
    }
    printPlan(output, plan);
    const da = await daFor(pkg, options);
    const link = await openDeviceLink(output, options);
    const progress = labelledProgress(() =>
      createProgress({ stream: io.stderr, quiet: output.quiet || output.json }),
    );
    let result: FlashResult;
    try {
      result = await executePlan({
        plan,
        transport: link.transport,
        daFile: da?.bytes ?? (link.simDa as Uint8Array),
        daFileName: da?.name ?? 'romctl simulated DA',
        device: expectationsOf(device),
        openImage: pkg.openImage,
        backupDir:
          options.backupDir !== undefined
            ? resolve(options.backupDir)
            : (session) =>
                resolve(
                  'romctl-backup',
                  `${device.codename}-${Buffer.from(session.identity.meId).toString('hex').slice(0, 16)}`,
                ),
        resume: options.resume === true,
        onEvent: (event) => report(event, progress, output),
      });
    } finally {
      progress.end();
      const boot = await link.close();
      if (boot)
        output.note(
          `simulated phone after the flash: ${boot.mode === 'brom' ? 'BROM' : 'preloader'} mode (${boot.reason})`,
        );
    }
    printResult(output, plan, result);
    // everything written is verified, but a phone that will not boot is not a success
    return result.phone.boots ? ExitCode.ok : ExitCode.device;
  } finally {
    await pkg.close();
  }
}

async function daFor(
  pkg: CheckedPackage,
  options: FlashCommandOptions,
): Promise<{ bytes: Uint8Array; name: string } | null> {
  if (options.da !== undefined) return { bytes: await readUserFile(options.da, 'DA file'), name: options.da };
  if (pkg.da) return pkg.da;
  if (options.sim !== undefined) return null;
  throw new RomctlError('the package has no Download Agent (MTK_AllInOne_DA.bin)', {
    exitCode: ExitCode.badInput,
    where: pkg.facts.path,
    hint: 'give the DA of this phone’s firmware with --da FILE',
  });
}

/** a fresh rate and line for each piece of work (the reporter's rate window would mix two labels' byte counts) */
export function labelledProgress(make: () => ProgressReporter): ProgressReporter {
  let label = '';
  let current = make();
  return {
    ...current,
    update(next, bytes, total) {
      if (next !== label) {
        current.end();
        current = make();
        label = next;
      }
      current.update(next, bytes, total);
    },
    message: (text) => current.message(text),
    end: () => current.end(),
  };
}

function report(event: FlashEvent, progress: ProgressReporter, output: Output): void {
  switch (event.type) {
    case 'connected':
      progress.message(
        `connected: ${event.chip} in ${event.mode === 'brom' ? 'BROM' : 'preloader'} mode, ${event.storage.toUpperCase()} ${event.storageId}`,
      );
      break;
    case 'step':
      if (event.state === 'start') progress.message(`[${event.index + 1}/${event.total}] ${event.text}`);
      else if (event.state === 'skipped') progress.message(`      skipped: ${event.detail ?? ''}`);
      break;
    case 'progress':
      progress.update(event.label, Number(event.done), Number(event.total));
      break;
    case 'note':
      output.note(event.text);
      break;
    case 'layout-changed':
      progress.message(layoutChangeText(event.change));
      break;
  }
}

/** both tables, side by side, for the partitions that differ */
function layoutChangeText(change: LayoutChange): string {
  const lines = [
    `device.layout-changed: the phone's partition table differs from the package's (${change.differences.length} ` +
      `partition(s)); protected partitions are backed up at the phone's addresses and restored by name:`,
    ...change.differences.map((line) => `    ${line}`),
  ];
  return lines.join('\n');
}

function printRefusal(output: Output, findings: Finding[]): void {
  if (output.json) {
    output.printJson({ verdict: 'refuse', written: false, findings });
    return;
  }
  for (const finding of findings) {
    output.line(`${output.style.red('✗')} ${finding.code}  ${finding.message}`);
    output.line(`    → ${finding.remedy}`);
  }
  const codes = [...new Set(findings.map((f) => f.code))];
  output.line(
    output.style.red(output.style.bold('REFUSED — the phone was not touched; nothing was written')),
  );
  output.line(output.style.dim(overrideAdvice(codes)));
}

function printPlan(output: Output, plan: FlashPlan): void {
  for (const finding of plan.accepted) output.note(`accepted risk ${finding.code}: ${finding.message}`);
  for (const finding of plan.warnings) output.note(`warning ${finding.code}: ${finding.message}`);
  output.note(`plan (${plan.mode}, ${basename(plan.package)}):`);
  plan.steps.forEach((step, i) => output.note(`  ${i + 1}. ${describeStep(step)}`));
}

function printResult(output: Output, plan: FlashPlan, result: FlashResult): void {
  if (output.json) {
    output.printJson({
      verdict: 'flashed',
      mode: plan.mode,
      package: plan.package,
      acceptedRisks: result.accepted,
      backupDir: result.backupDir,
      journal: result.journal,
      steps: result.steps,
      phone: result.phone,
      layoutChange: result.layoutChange,
    });
    return;
  }
  for (const step of result.steps) {
    const mark = step.state === 'done' ? output.style.green('✓') : output.style.dim('–');
    output.line(`${mark} ${step.text}${step.detail ? output.style.dim(`  (${step.detail})`) : ''}`);
  }
  const written = plan.steps.reduce((sum, s) => sum + (s.kind === 'write' ? s.image.writtenSize : 0n), 0n);
  output.line(
    output.style.green(
      output.style.bold(`FLASHED — ${plan.mode}, ${formatBytes(Number(written))} written and verified`),
    ),
  );
  if (result.phone.boots) output.line(`the phone ${result.phone.text}`);
  else {
    output.line(output.style.red(output.style.bold(`THE PHONE WILL NOT BOOT — ${result.phone.text}`)));
    output.line(`    → ${result.phone.todo ?? ''}`);
  }
  output.line(`backup and journal: ${result.backupDir}`);
  if (result.accepted.length > 0) output.line(`accepted risks: ${result.accepted.join(', ')}`);
}
