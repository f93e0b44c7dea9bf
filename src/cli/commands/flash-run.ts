import { basename, resolve } from 'node:path';
import type { Finding } from '../../check/index.js';
import { executePlan, type FlashEvent, type FlashResult } from '../../engine/executor.js';
import type { LayoutChange } from '../../engine/phone-layout.js';
import {
  buildFlashPlans,
  describeStep,
  overrideAdvice,
  PlanRefusedError,
  type FlashPlan,
  type FlashStep,
  type PlannedRange,
} from '../../engine/plan.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { openRegistry } from '../../registry/registry.js';
import { registryReadOptions } from '../registry-options.js';
import { deviceFactsFor } from '../../registry/resolve-device.js';
import type { CliIo } from '../context.js';
import { readUserFile } from '../input.js';
import { parseDaContainer } from '../../engine/da/container.js';
import { readCredentials } from './credentials.js';
import type { Output } from '../output.js';
import { createProgress, formatBytes, type ProgressReporter } from '../progress.js';
import type { FlashCommandOptions } from './flash.js';
import { checkLinkOptions, openDeviceLink } from './flash-link.js';
import { checkForFlash, expectationsOf, type CheckedPackage } from './flash-prepare.js';

/** `romctl flash`: check → plan → (only then) the phone: connect, verify, back up, write, verify, reboot. */
export async function runFlash(
  output: Output,
  path: string,
  options: FlashCommandOptions,
  io: CliIo,
): Promise<number> {
  checkLinkOptions(options);
  const { facts: device } = await deviceFactsFor(
    await openRegistry({ ...registryReadOptions(output, options, io.env), env: io.env }),
    options.device,
  );
  const givenDa =
    options.da === undefined ? null : { bytes: await readUserFile(options.da, 'DA file'), name: options.da };
  const pkg = await checkForFlash(path, device, options.mode);
  try {
    if (pkg.facts.kind !== 'mtk-scatter') {
      throw new RomctlError(`not an MTK scatter package (${pkg.facts.kind})`, {
        exitCode: ExitCode.badInput,
        where: pkg.facts.path,
        hint: `${pkg.facts.evidence[0] ?? 'no scatter file found'}; romctl check says more`,
      });
    }
    let plans: FlashPlan[];
    try {
      plans = buildFlashPlans(pkg.facts, pkg.report, {
        mode: options.mode,
        withPreloader: options.withPreloader === true,
        acceptRisk: options.acceptRisk ?? [],
      });
    } catch (error) {
      if (!(error instanceof PlanRefusedError)) throw error;
      printRefusal(output, error.findings);
      return ExitCode.refused;
    }
    printPlans(output, plans);
    const da = givenDa ?? daFor(pkg, options);
    // a broken DA file is bad input before the phone is touched
    if (da) parseDaContainer(da.bytes, { fileName: da.name });
    const credentials = await readCredentials(options);
    const link = await openDeviceLink(output, options);
    // a multi-storage package has a plan per storage: the phone's, once it has said which, is the one shown
    let plan = plans[0] as FlashPlan;
    const progressFor = (chosen: FlashPlan) =>
      createProgress({
        stream: io.stderr,
        quiet: output.quiet || output.json,
        steps: chosen.steps.map((step) => ({
          label: describeStep(step),
          bytes: bytesMoved(step, options.verify),
        })),
      });
    let progress = progressFor(plan);
    const started = Date.now();
    let result: FlashResult;
    try {
      result = await executePlan({
        plan: plans,
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
        verify: options.verify,
        credentials,
        preloaderPort: link.preloaderPort,
        ...(link.reconnect ? { reconnect: link.reconnect } : {}),
        onEvent: (event) => {
          if (event.type === 'connected' && event.storage !== plan.storage) {
            plan = plans.find((p) => p.storage === event.storage) ?? plan;
            progress.end();
            progress = progressFor(plan);
          }
          report(event, progress, output);
        },
      });
    } finally {
      progress.end();
      const boot = await link.close();
      if (boot)
        output.note(
          `simulated phone after the flash: ${boot.mode === 'brom' ? 'BROM' : 'preloader'} mode (${boot.reason})`,
        );
    }
    printResult(output, plan, result, (Date.now() - started) / 1000);
    // everything written is verified, but a phone that will not boot is not a success
    return result.phone.boots ? ExitCode.ok : ExitCode.device;
  } finally {
    await pkg.close();
  }
}

function daFor(
  pkg: CheckedPackage,
  options: FlashCommandOptions,
): { bytes: Uint8Array; name: string } | null {
  if (pkg.da) return pkg.da;
  if (options.sim !== undefined) return null;
  throw new RomctlError('the package has no Download Agent (MTK_AllInOne_DA.bin)', {
    exitCode: ExitCode.badInput,
    where: pkg.facts.path,
    hint: 'give the DA of this phone’s firmware with --da FILE',
  });
}

/** the bytes a step moves over the link, as the progress display's share of the whole plan */
function bytesMoved(step: FlashStep, verify: 'da' | 'full'): number {
  const sizes = (ranges: PlannedRange[]) => ranges.reduce((sum, range) => sum + Number(range.size ?? 0n), 0);
  switch (step.kind) {
    case 'backup':
    case 'restore':
      return sizes(step.ranges);
    case 'write':
      // written, and with the full verify read back
      return (verify === 'full' ? 2 : 1) * Number(step.image.sentSize);
    case 'preloader':
      return 2 * Number(step.image.fileSize); // boot2, then boot1
    default:
      return 0;
  }
}

function report(event: FlashEvent, progress: ProgressReporter, output: Output): void {
  switch (event.type) {
    case 'connected':
      progress.message(
        `connected: ${event.chip} in ${event.mode === 'brom' ? 'BROM' : 'preloader'} mode, ${event.storage.toUpperCase()} ${event.storageId}`,
      );
      break;
    case 'step':
      if (event.state === 'start') progress.startStep(event.index);
      else progress.finishStep(event.index, { state: event.state, detail: event.detail });
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

/** the plan, or one per storage for a multi-storage package (the phone's storage decides which runs) */
function printPlans(output: Output, plans: FlashPlan[]): void {
  const first = plans[0] as FlashPlan;
  for (const finding of first.accepted) output.note(`accepted risk ${finding.code}: ${finding.message}`);
  for (const finding of first.warnings) output.note(`warning ${finding.code}: ${finding.message}`);
  for (const plan of plans) {
    const which = plans.length > 1 ? `, for a phone with ${plan.storage.toUpperCase()} storage` : '';
    output.note(`plan (${plan.mode}, ${basename(plan.package)}${which}):`);
    plan.steps.forEach((step, i) => output.note(`  ${i + 1}. ${describeStep(step)}`));
  }
}

function printResult(output: Output, plan: FlashPlan, result: FlashResult, seconds: number): void {
  if (output.json) {
    output.printJson({
      verdict: 'flashed',
      mode: plan.mode,
      storage: plan.storage,
      package: plan.package,
      acceptedRisks: result.accepted,
      backupDir: result.backupDir,
      journal: result.journal,
      steps: result.steps,
      phone: result.phone,
      layoutChange: result.layoutChange,
      verify: result.verify,
    });
    return;
  }
  for (const step of result.steps.filter((s) => s.state === 'skipped'))
    output.line(output.style.dim(`– skipped ${step.id}${step.detail ? `: ${step.detail}` : ''}`));
  const sent = plan.steps.reduce((sum, s) => sum + (s.kind === 'write' ? s.image.sentSize : 0n), 0n);
  const skipped = result.steps.filter((s) => s.state === 'skipped').length;
  output.line(
    output.style.green(
      output.style.bold(
        `FLASHED — ${plan.mode}, ${result.steps.length - skipped} steps done` +
          `${skipped > 0 ? ` (${skipped} skipped)` : ''}, ${formatBytes(Number(sent))} of images ` +
          `written and verified in ${seconds.toFixed(1)} s`,
      ),
    ),
  );
  if (result.phone.boots) output.line(`the phone ${result.phone.text}`);
  else {
    output.line(output.style.red(output.style.bold(`THE PHONE WILL NOT BOOT — ${result.phone.text}`)));
    output.line(`    → ${result.phone.todo ?? ''}`);
  }
  output.line(`verify (${result.verify.mode}): ${result.verify.text}`);
  output.line(`backup and journal: ${result.backupDir}`);
  if (result.accepted.length > 0) output.line(`accepted risks: ${result.accepted.join(', ')}`);
}
