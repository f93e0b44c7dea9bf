import { checkPackage, type Finding, type Report, type Severity } from '../../check/index.js';
import { ExitCode } from '../../errors.js';
import { parseMemorySpec } from '../../formats/preloader/index.js';
import type { Output } from '../output.js';
import type { CheckCommandOptions } from './check.js';
import { memoryFromProbe } from './probe-memory.js';
import { registryReadOptions, type RegistryReadOptions } from '../registry-options.js';

export async function runCheck(
  output: Output,
  path: string,
  options: CheckCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const device =
    options.device === undefined ? undefined : await deviceFor(output, options.device, options, env);
  const probed = options.probe === undefined ? [] : [await memoryFromProbe(options.probe)];
  const report = await checkPackage(path, {
    mode: options.mode,
    memories: [
      ...(options.memory ?? []).map((text) => ({ label: `--memory ${text}`, spec: parseMemorySpec(text) })),
      ...probed,
    ],
    ...(options.preloaderFrom === undefined ? {} : { preloaderFrom: options.preloaderFrom }),
    ...(device ? { device } : {}),
  });
  if (output.json) output.printJson(report);
  else printReport(output, report);
  return report.verdict === 'refuse' ? ExitCode.refused : ExitCode.ok;
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
    for (const finding of group) {
      output.line(`  ${mark[severity]} ${finding.code}  ${where(finding)}${finding.message}`);
      output.line(`      → ${finding.remedy}`);
      if (finding.symptoms.length > 0)
        output.line(style.dim(`      on a phone: ${finding.symptoms.join(', ')}`));
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
  const tally = `${count('error')} errors, ${count('warning')} warnings, ${count('info')} notes`;
  switch (report.verdict) {
    case 'refuse':
      return output.style.red(output.style.bold(`REFUSED — ${tally}: do not flash this package`));
    case 'warn':
      return output.style.yellow(`PASS WITH WARNINGS — ${tally}`);
    default:
      return output.style.green(`PASS — ${tally}`);
  }
}
