import { checkPackage, type Report } from '../../check/index.js';
import { ExitCode } from '../../errors.js';
import { fetchBundle } from '../../fetch/bundle.js';
import { BlobCache } from '../../fetch/cache.js';
import { downloadError } from '../../fetch/source-error.js';
import { resolveMirrors } from '../../fetch/mirrors.js';
import { resolveBundle } from '../../registry/bundles.js';
import { givenRegistry, isRegistryUrl } from '../../registry/location.js';
import type { Bundle } from '../../registry/model.js';
import { openRegistry } from '../../registry/registry.js';
import { deviceFactsFor, requireMtkDevice } from '../../registry/resolve-device.js';
import type { CliIo } from '../context.js';
import type { Output } from '../output.js';
import { createProgress } from '../progress.js';
import type { FetchCommandOptions } from './fetch.js';

/** `romctl fetch`: registry → bundle → verified downloads → verified unpacked folder → check for the device. */
export async function runFetch(
  output: Output,
  codename: string,
  options: FetchCommandOptions,
  io: CliIo,
): Promise<number> {
  const cache = BlobCache.at(options.cache, io.env);
  const given = givenRegistry(options.registry, io.env);
  if (given !== undefined && isRegistryUrl(given)) {
    output.note(
      `note: ${given} is read without signed metadata (not yet supported): it is trusted like its server`,
    );
  }
  const registry = await openRegistry({ dir: given, env: io.env, cacheDir: cache.root });
  const entry = requireMtkDevice(registry, codename);
  const indexed = resolveBundle(entry, {
    ...(options.release === undefined ? {} : { version: options.release }),
    ...(options.region === undefined ? {} : { region: options.region }),
  });
  const bundle = await registry.bundle(entry, indexed.id);
  if (bundle.codename !== entry.codename || bundle.id !== indexed.id) {
    throw downloadError(
      `the registry's index and bundle document disagree (${bundle.codename}/${bundle.id})`,
      {
        where: indexed.file,
        hint: 'the registry is inconsistent; run romctl registry index on it, or tell its maintainer',
      },
    );
  }
  output.note(
    `${entry.codename}: bundle ${bundle.id} (${bundle.kind}${bundle.region ? `, ${bundle.region}` : ''})`,
  );
  const progress = createProgress({
    stream: io.stderr,
    quiet: output.quiet || output.json,
    steps: bundle.files.map((file) => ({ label: file.name, bytes: file.size ?? 0 })),
  });
  const fetched = await fetchBundle(bundle, {
    cache,
    ...(options.out === undefined ? {} : { outDir: options.out }),
    unpack: options.unpack,
    fetch: {
      mirrors: await resolveMirrors({ flags: options.mirror ?? [], env: io.env }),
      progress: (event) => progress.fetchEvent(event),
    },
    note: (text) => output.note(output.style.yellow(text)),
  });
  progress.end();
  if (fetched.folder === undefined) {
    if (output.json) output.printJson({ bundle: bundleSummary(bundle), files: fetched.files });
    else for (const file of fetched.files) output.line(file.path);
    return ExitCode.ok;
  }
  output.note(
    `${fetched.reused ? 'reused' : 'unpacked'} ${fetched.folder}` +
      (fetched.verified.length > 0 ? ` (${fetched.verified.length} content hashes verified)` : ''),
  );
  const { facts } = await deviceFactsFor(registry, entry.codename);
  const report = await checkPackage(fetched.folder, { device: facts });
  if (output.json) {
    output.printJson({ folder: fetched.folder, bundle: bundleSummary(bundle), files: fetched.files, report });
  } else {
    noteReport(output, report, entry.codename);
    output.line(fetched.folder);
  }
  return report.verdict === 'refuse' ? ExitCode.refused : ExitCode.ok;
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
