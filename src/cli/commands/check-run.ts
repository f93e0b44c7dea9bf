import { checkPackage, type Finding, type Report, type Severity } from '../../check/index.js';
import { ExitCode } from '../../errors.js';
import { parseMemorySpec } from '../../formats/preloader/index.js';
import type { ReadEvent } from '../../check/collect.js';
import type { CliIo } from '../context.js';
import type { Output } from '../output.js';
import { createProgress, type ProgressReporter } from '../progress.js';
import type { CheckCommandOptions } from './check.js';
import { memoryFromProbe } from './probe-memory.js';
import { registryReadOptions, type RegistryReadOptions } from '../registry-options.js';

export async function runCheck(
  output: Output,
  path: string,
  options: CheckCommandOptions,
  io: CliIo,
): Promise<number> {
  const device =
    options.device === undefined ? undefined : await deviceFor(output, options.device, options, io.env);
  const probed = options.probe === undefined ? [] : [await memoryFromProbe(options.probe)];
  const progress = readingProgress(output, io);
  const report = await checkPackage(path, {
    onRead: progress.onRead,
    mode: options.mode,
    memories: [
      ...(options.memory ?? []).map((text) => ({ label: `--memory ${text}`, spec: parseMemorySpec(text) })),
      ...probed,
    ],
    ...(options.preloaderFrom === undefined ? {} : { preloaderFrom: options.preloaderFrom }),
    ...(device ? { device } : {}),
  });
  progress.end();
  if (output.json) output.printJson(report);
  else printReport(output, report);
  if (report.package.kind !== 'mtk-scatter') return ExitCode.badInput;
  return report.verdict === 'refuse' ? ExitCode.refused : ExitCode.ok;
}

/** a package this large takes seconds to read: worth a progress display */
const PROGRESS_FROM_BYTES = 256 * 1024 * 1024;

/** one step per image read, shown only for large packages */
function readingProgress(output: Output, io: CliIo): { onRead: (event: ReadEvent) => void; end(): void } {
  let progress: ProgressReporter | null = null;
  let paths: string[] = [];
  let current = -1;
  return {
    onRead(event) {
      if (event.type === 'files') {
        const total = event.files.reduce((sum, file) => sum + file.size, 0);
        if (total < PROGRESS_FROM_BYTES || output.quiet || output.json) return;
        paths = event.files.map((file) => file.path);
        progress = createProgress({
          stream: io.stderr,
          quiet: false,
          steps: event.files.map((file) => ({ label: `read ${file.path}`, bytes: file.size })),
        });
        return;
      }
      if (!progress) return;
      const index = paths.indexOf(event.path);
      if (event.type === 'bytes') {
        if (index !== current) progress.startStep((current = index));
        progress.update(`read ${event.path}`, event.bytes, event.size);
      } else if (index >= 0) progress.finishStep(index, { state: 'done' });
    },
    end: () => progress?.end(),
  };
}

async function deviceFor(output: Output, spec: string, options: RegistryReadOptions, env: NodeJS.ProcessEnv) {
  const { openRegistry } = await import('../../registry/registry.js');
  const { deviceFactsFor } = await import('../../registry/resolve-device.js');
  return (
    await deviceFactsFor(await openRegistry({ ...registryReadOptions(output, options, env), env }), spec)
  ).facts;
}

const HEADINGS: Record<Severity, string> = { error: 'errors', warning: 'warnings', info: 'notes' };

function printReport(output: Output, report: Report): void {
  const { style } = output;
  const scatter = report.package.scatter;
  const summary = scatter
    ? `${scatter.platform ?? '?'} ${scatter.project ?? ''} ${scatter.storage} scatter ${scatter.format}`
    : 'no scatter';
  output.line(style.bold(`${report.package.path}  ${report.package.kind}  ${summary.replace(/\s+/g, ' ')}`));
  if (scatter) output.line(style.dim(`scatter used: ${scatter.path}`));
  // a multi-storage scatter: what each storage's phones get
  if (scatter && scatter.layouts.length > 1) {
    for (const layout of scatter.layouts)
      output.line(
        `  ${layout.storage ?? '?'} layout: ${layout.partitions} partitions, ${layout.downloads} images; ` +
          `${layout.regions.join(', ')}`,
      );
  }
  const mark: Record<Severity, string> = {
    error: style.red('✗'),
    warning: style.yellow('!'),
    info: style.dim('i'),
  };
  for (const severity of ['error', 'warning', 'info'] as const) {
    const group = report.findings.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    output.line();
    output.line(style.bold(`${HEADINGS[severity]} (${group.length})`));
    // findings with the same code and remedy are listed together, the remedy once after them
    const byRemedy = new Map<string, Finding[]>();
    for (const finding of group) {
      const key = `${finding.code}\n${finding.remedy}`;
      byRemedy.set(key, [...(byRemedy.get(key) ?? []), finding]);
    }
    for (const same of byRemedy.values()) {
      for (const finding of same)
        output.line(`  ${mark[severity]} ${finding.code}  ${where(finding)}${finding.message}`);
      const first = same[0] as Finding;
      output.line(`      → ${same.length > 1 ? `(all ${same.length}) ` : ''}${first.remedy}`);
      if (first.symptoms.length > 0) output.line(style.dim(`      on a phone: ${first.symptoms.join(', ')}`));
    }
  }
  output.line();
  output.line(verdictLine(output, report));
}

function where({ subject }: Finding): string {
  const parts = [
    subject.file === undefined
      ? ''
      : subject.line === undefined
        ? subject.file
        : `${subject.file}:${subject.line}`,
    subject.partition === undefined ? '' : `[${subject.partition}]`,
    subject.offset === undefined ? '' : `@0x${subject.offset.toString(16)}`,
  ].filter(Boolean);
  return parts.length > 0 ? `${parts.join(' ')}: ` : '';
}

function verdictLine(output: Output, report: Report): string {
  const count = (severity: Severity) =>
    report.findings.filter((finding) => finding.severity === severity).length;
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const tally = `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('info'), 'note')}`;
  if (report.package.kind !== 'mtk-scatter')
    return output.style.red(
      output.style.bold(`NOT AN MTK SCATTER PACKAGE (${report.package.kind}) — nothing to flash with romctl`),
    );
  switch (report.verdict) {
    case 'refuse':
      return output.style.red(output.style.bold(`REFUSED — ${tally}: do not flash this package`));
    case 'warn':
      return output.style.yellow(`PASS WITH WARNINGS — ${tally}`);
    default:
      return output.style.green(`PASS — ${tally}`);
  }
}
