import type { BromIdentity } from '../../engine/brom.js';
import { emiBlockFromPreloader } from '../../engine/da/emi-block.js';
import { openFlashSession } from '../../engine/flash-session.js';
import { identityPassport, probeSession, redactPassport, type Passport } from '../../engine/probe.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { readUserFile } from '../input.js';
import type { Output } from '../output.js';
import { readCredentials } from './credentials.js';
import { openDeviceLink } from './flash-link.js';
import type { ProbeCommandOptions } from './probe.js';

/** the DA could not start DRAM (no EMI block for a BROM-mode phone, or one that does not fit): nothing else failed */
function isDramRefusal(error: RomctlError): boolean {
  return error.exitCode === ExitCode.refused || error.exitCode === ExitCode.badInput;
}

/** what the boot ROM said, and why the DA part could not follow (a BROM-mode phone without an EMI block) */
function partial(identity: BromIdentity, error: RomctlError): Passport {
  const passport = identityPassport(identity);
  passport.notes.push(
    `storage, preloader and partition table not read: ${error.message} (${error.hint ?? ''})`,
  );
  return passport;
}

export async function runProbe(output: Output, options: ProbeCommandOptions): Promise<number> {
  const daFile = options.da === undefined ? null : await readUserFile(options.da, 'DA file');
  if (!daFile && options.sim === undefined) {
    throw new RomctlError('romctl probe needs the phone’s Download Agent to read its storage', {
      exitCode: ExitCode.badInput,
      hint: 'give --da MTK_AllInOne_DA.bin from this phone’s firmware package',
    });
  }
  const emiBlock =
    options.preloader === undefined
      ? null
      : emiBlockFromPreloader(await readUserFile(options.preloader, 'preloader'), options.preloader).block;
  const credentials = await readCredentials(options);
  const link = await openDeviceLink(output, options);
  // what the boot ROM said, kept for when the DA part cannot follow
  const seen: { identity: BromIdentity | null } = { identity: null };
  let passport: Passport;
  try {
    const session = await openFlashSession({
      transport: link.transport,
      daFile: daFile ?? (link.simDa as Uint8Array),
      ...(options.da === undefined ? {} : { daFileName: options.da }),
      emiBlock,
      expect: { device: 'the probed phone' },
      ...credentials,
      preloaderPort: link.preloaderPort,
      ...(link.reconnect ? { reconnect: link.reconnect } : {}),
      onIdentified: (identity) => (seen.identity = identity),
    }).catch((error: unknown) => {
      // a phone in BROM mode without an EMI block still says who it is
      if (seen.identity && error instanceof RomctlError && isDramRefusal(error)) return error;
      throw error;
    });
    if (session instanceof RomctlError) passport = partial(seen.identity as BromIdentity, session);
    else {
      passport = await probeSession(session);
      await session.client.shutdown('normal');
    }
  } finally {
    await link.close();
  }
  const shown = options.redact ? redactPassport(passport) : passport;
  if (output.json) output.printJson(shown);
  else printPassport(output, shown);
  return ExitCode.ok;
}

function printPassport(output: Output, p: Passport): void {
  const { style } = output;
  const t = p.targetConfig;
  const protections = (['sbc', 'sla', 'daa'] as const).filter((k) => t[k]).map((k) => k.toUpperCase());
  output.line(
    `${style.bold(p.chip ?? 'unknown chip')} (hw code ${p.hwCode}) in ${p.mode === 'brom' ? 'BROM' : 'preloader'} mode`,
  );
  output.line(
    `  versions      sub code ${p.hwSubCode}, hw ${p.hwVersion}, sw ${p.swVersion}; ${p.daProtocol ?? 'unknown'} DA`,
  );
  output.line(`  target config ${t.raw} (${protections.length ? protections.join(', ') : 'no protection'})`);
  output.line(`  ME id         ${p.meId}`);
  if (p.socId) output.line(`  SoC id        ${p.socId}`);
  if (p.storage) {
    const s = p.storage;
    output.line(
      `  storage       ${s.kind.toUpperCase()} ${s.id}, user ${s.userSize}, boot ${s.boot1Size} + ${s.boot2Size}, blocks of ${s.blockSize}`,
    );
  }
  if (p.preloader) {
    const pl = p.preloader;
    const fit =
      pl.fits === 'match'
        ? style.green('fits')
        : pl.fits === 'no-match'
          ? style.red('does not fit')
          : style.yellow(pl.fits ?? 'unknown');
    output.line(
      pl.present
        ? `  preloader     ${pl.fileName ?? '?'}${pl.project ? ` (project ${pl.project})` : ''}, EMI v${pl.emiVersion ?? '?'}, ${pl.records} records: ${fit} — ${pl.reason}`
        : `  preloader     none — ${pl.reason}`,
    );
  }
  if (p.partitions)
    output.line(`  partitions    ${p.partitions.length}: ${p.partitions.map((x) => x.name).join(', ')}`);
  for (const note of p.notes) output.line(style.dim(`  note: ${note}`));
}
