import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { listSerialPorts } from '../../engine/detect.js';
import {
  installUdevRule,
  runChecks,
  type DoctorFinding,
  type FixResult,
  type HostView,
} from '../../doctor/index.js';
import { ExitCode } from '../../errors.js';
import type { Output } from '../output.js';

async function hostView(root: string, env: NodeJS.ProcessEnv): Promise<HostView> {
  const me = userInfo();
  return {
    root,
    platform: process.platform,
    user: { name: me.username, uid: me.uid, gids: process.getgroups?.() ?? [] },
    path: env.PATH ?? '',
    ports: await listSerialPorts(join(root, 'sys/class/tty')),
  };
}

const MARK: Record<DoctorFinding['status'], string> = { ok: '✓', warning: '!', problem: '✗' };

function printHuman(output: Output, findings: DoctorFinding[], fix: FixResult | null): void {
  const { style } = output;
  for (const f of findings) {
    const colour = f.status === 'ok' ? style.green : f.status === 'warning' ? style.yellow : style.red;
    output.line(`${colour(MARK[f.status])} ${f.what}`);
    if (f.why) output.line(style.dim(`    why: ${f.why}`));
    if (f.fix) output.line(`    fix: ${f.fix}`);
  }
  if (fix?.installed) output.line(style.green(`installed ${fix.installed}`));
  if (fix?.todo) output.line(`left to do: ${fix.todo}`);
  const problems = findings.filter((f) => f.status === 'problem').length;
  const warnings = findings.filter((f) => f.status === 'warning').length;
  output.line(
    problems + warnings === 0
      ? style.green('nothing on this host stands between romctl and a phone')
      : `${problems} problem(s), ${warnings} warning(s)`,
  );
}

export async function runDoctor(
  output: Output,
  options: { fix?: boolean; root?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const root = resolve(options.root ?? '/');
  const view = await hostView(root, env);
  const before = await runChecks(view);
  const needsRule = before.some((f) => f.check === 'linux.udev-rule' && f.status !== 'ok');
  const fix = options.fix && view.platform === 'linux' && needsRule ? await installUdevRule(root) : null;
  const findings = fix?.installed ? await runChecks(view) : before;
  if (output.json) output.printJson({ platform: view.platform, root, findings, fix });
  else printHuman(output, findings, fix);
  return findings.some((f) => f.status === 'problem') ? ExitCode.refused : ExitCode.ok;
}
