import { checkPackage, type Report } from '../../check/index.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { fetchBundle } from '../../fetch/bundle.js';
import { BlobCache } from '../../fetch/cache.js';
import { downloadError } from '../../fetch/source-error.js';
import { resolveMirrors } from '../../fetch/mirrors.js';
import { defaultMinSpeed } from '../../fetch/context.js';
import type { MinSpeed } from '../../fetch/types.js';
import { chooseBundle } from '../../registry/bundles.js';
import { pinToSignedTargets } from '../../fetch/signed-bundle.js';
import { registryTrust } from '../../registry/trust/report.js';
import { registryReadOptions } from '../registry-options.js';
import type { Bundle, BundleKind } from '../../registry/model.js';
import { openRegistry } from '../../registry/registry.js';
import { deviceFactsFor, requireMtkDevice } from '../../registry/resolve-device.js';
import type { CliIo } from '../context.js';
import type { Output } from '../output.js';
import { createProgress } from '../progress.js';
import { parseByteSize, parseDuration } from '../quantities.js';
import type { FetchCommandOptions } from './fetch.js';

/** `romctl fetch`: registry → bundle → verified downloads → verified unpacked folder → check for the device. */
export async function runFetch(
  output: Output,
  codename: string,
  options: FetchCommandOptions,
  io: CliIo,
): Promise<number> {
  const cache = BlobCache.at(options.cache, io.env);
  const read = registryReadOptions(output, options, io.env);
  const registry = await openRegistry({ ...read, env: io.env, cacheDir: cache.root });
  const trust = registryTrust(registry, read.dir, read.insecure);
  const entry = await registry.entry(requireMtkDevice(registry, codename));
  const region = options.region ?? (io.env.ROMCTL_REGION || undefined);
  const choice = chooseBundle(entry, {
    ...(options.release === undefined ? {} : { version: options.release }),
    ...(region === undefined
      ? {}
      : { region, regionFrom: options.region === undefined ? 'config' : 'option' }),
    ...(options.kind === undefined ? {} : { kind: bundleKind(options.kind) }),
  });
  const indexed = choice.bundle;
  const document = await registry.bundle(entry, indexed.id);
  if (document.codename !== entry.codename || document.id !== indexed.id) {
    throw downloadError(
      `the registry's index and bundle document disagree (${document.codename}/${document.id})`,
      {
        where: indexed.file,
        hint: 'the registry is inconsistent; run romctl registry index on it, or tell its maintainer',
      },
    );
  }
  const bundle = registry.signed ? await pinToSignedTargets(document, registry.signed) : document;
  // the profile the package is checked against is read (and verified) before anything is downloaded
  const { facts } = await deviceFactsFor(registry, entry.codename);
  output.note(
    `${entry.codename}: bundle ${bundle.id} (${bundle.kind}, region ${choice.region}; registry ${trust.kind}${trust.kind === 'signed' ? ', verified' : ''})`,
  );
  if (choice.weak > 0 && options.release === undefined) {
    output.note(
      output.style.dim(
        `  (${choice.weak} releases of this kind are known only by an md5 prefix and were skipped)`,
      ),
    );
  }
  const progress = createProgress({
    stream: io.stderr,
    quiet: output.quiet || output.json,
    steps: bundle.files.map((file) => ({ label: file.name, bytes: file.size ?? 0 })),
  });
  let checked: { report: Report; folder: string } | undefined;
  const fetched = await fetchBundle(bundle, {
    cache,
    ...(options.out === undefined ? {} : { outDir: options.out }),
    unpack: options.unpack,
    fetch: {
      mirrors: await resolveMirrors({ flags: options.mirror ?? [], env: io.env }),
      progress: (event) => progress.fetchEvent(event),
      ...downloadLimits(options),
    },
    unpackOptions: {
      // the check runs before the folder is marked verified: a refused package never looks verified
      accept: async (folder) => {
        checked = { report: await checkPackage(folder, { device: facts }), folder };
        return checked.report.verdict !== 'refuse';
      },
      keepRefused: options.keepRefused === true,
      ...(options.keepFree === undefined
        ? {}
        : { keepFreeBytes: parseByteSize(options.keepFree, '--keep-free') }),
    },
    note: (text) => output.note(output.style.yellow(text)),
  });
  progress.end();
  if (fetched.folder === undefined || checked === undefined) {
    if (output.json)
      output.printJson({ bundle: bundleSummary(bundle), registry: trust, files: fetched.files });
    else for (const file of fetched.files) output.line(file.path);
    return ExitCode.ok;
  }
  const keptAt = fetched.refused?.keptAt;
  const folder = fetched.refused ? (keptAt ?? null) : fetched.folder;
  const report = relocated(checked.report, checked.folder, folder ?? fetched.folder);
  if (output.json) {
    output.printJson({
      folder,
      bundle: bundleSummary(bundle),
      registry: trust,
      files: fetched.files,
      report,
    });
  } else {
    output.note(
      `${fetched.reused ? 'reused' : 'unpacked'} ${fetched.folder}` +
        (fetched.verified.length > 0 ? ` (${fetched.verified.length} content hashes verified)` : ''),
    );
    noteReport(output, report, entry.codename);
    if (fetched.refused) {
      output.note(
        keptAt === undefined
          ? `removed the refused folder (--keep-refused keeps it for inspection)`
          : `kept the refused folder for inspection: ${keptAt} (romctl never uses it)`,
      );
    } else {
      output.line(fetched.folder);
    }
  }
  return fetched.refused ? ExitCode.refused : ExitCode.ok;
}

/** --deadline and --min-speed as fetch options. */
function downloadLimits(options: FetchCommandOptions): { deadlineAt?: number; minSpeed?: MinSpeed } {
  const limits: { deadlineAt?: number; minSpeed?: MinSpeed } = {};
  if (options.deadline !== undefined) {
    limits.deadlineAt = Date.now() + parseDuration(options.deadline, '--deadline');
  }
  if (options.minSpeed !== undefined) {
    const [rate = '', window] = options.minSpeed.split('/');
    limits.minSpeed = {
      bytesPerSecond: parseByteSize(rate, '--min-speed'),
      windowMs: window === undefined ? defaultMinSpeed.windowMs : parseDuration(window, '--min-speed'),
    };
    if (limits.minSpeed.bytesPerSecond === 0 || limits.minSpeed.windowMs === 0) {
      throw new RomctlError(`--min-speed ${options.minSpeed}: the rate and window must be above 0`, {
        hint: 'for example 1k/60s: at least 1 KiB per second, averaged over a minute',
      });
    }
  }
  return limits;
}

/** The check ran in the work folder: its report names the folder the package ended in. */
function relocated(report: Report, from: string, to: string): Report {
  return JSON.parse(
    JSON.stringify(report).split(JSON.stringify(from).slice(1, -1)).join(JSON.stringify(to).slice(1, -1)),
  ) as Report;
}

function bundleSummary(bundle: Bundle) {
  const { id, codename, version, kind, region, date, source } = bundle;
  return { id, codename, version, kind, region: region ?? null, date: date ?? null, source };
}

/** The check's verdict and its errors and warnings, on stderr: stdout carries only the folder. */
function noteReport(output: Output, report: Report, codename: string): void {
  const { style } = output;
  for (const finding of report.findings.filter((item) => item.severity !== 'info')) {
    const mark = finding.severity === 'error' ? style.red('✗') : style.yellow('!');
    output.note(`  ${mark} ${finding.code}  ${finding.message}`);
  }
  const count = (severity: string) => report.findings.filter((item) => item.severity === severity).length;
  const tally = `${count('error')} errors, ${count('warning')} warnings, ${count('info')} notes`;
  output.note(
    report.verdict === 'refuse'
      ? style.red(`check --device ${codename}: REFUSED — ${tally}: do not flash this package`)
      : report.verdict === 'warn'
        ? style.yellow(`check --device ${codename}: PASS WITH WARNINGS — ${tally}`)
        : style.green(`check --device ${codename}: PASS — ${tally}`),
  );
}

const KINDS: readonly BundleKind[] = [
  'sp-flash-tool',
  'fastboot-scatter',
  'fastboot',
  'recovery-zip',
  'qualcomm-edl',
];

function bundleKind(text: string): BundleKind {
  const kind = KINDS.find((known) => known === text.toLowerCase());
  if (kind === undefined) {
    throw new RomctlError(`--kind ${text}: not a package kind`, { hint: `one of ${KINDS.join(', ')}` });
  }
  return kind;
}
