import { ExitCode, RomctlError } from '../../errors.js';
import { BlobCache } from '../../fetch/cache.js';
import { pruneBundles } from '../../fetch/leftovers.js';
import type { Output } from '../output.js';
import { formatBytes } from '../progress.js';
import { parseDuration } from '../quantities.js';

export async function runCacheList(output: Output, dir: string | undefined): Promise<number> {
  const cache = BlobCache.at(dir);
  const blobs = await cache.list();
  const partials = await cache.listPartials();
  if (output.json) {
    output.printJson({
      root: cache.root,
      blobs: blobs.map((blob) => ({ ...blob, lastUsed: blob.lastUsed.toISOString() })),
      partials: partials.map((partial) => ({ ...partial, lastModified: partial.lastModified.toISOString() })),
    });
    return ExitCode.ok;
  }
  for (const blob of blobs) {
    output.line(`${blob.sha256}  ${formatBytes(blob.size).padStart(10)}  ${day(blob.lastUsed)}`);
  }
  for (const partial of partials) {
    output.line(
      `${partial.key}  ${formatBytes(partial.bytes).padStart(10)}  ${day(partial.lastModified)}  partial`,
    );
  }
  const total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  output.line(
    output.style.dim(
      `${blobs.length} blobs, ${formatBytes(total)}; ${partials.length} partial downloads; ${cache.root}`,
    ),
  );
  return ExitCode.ok;
}

export async function runCacheVerify(output: Output, dir: string | undefined): Promise<number> {
  const cache = BlobCache.at(dir);
  const report = await cache.verify((blob, ok) => {
    if (!ok) output.note(`corrupt, removed: ${blob.sha256} (${blob.path})`);
  });
  if (output.json) {
    output.printJson(report);
  } else {
    const corrupt = report.corrupt.length;
    const summary = `${report.checked} blobs verified (${formatBytes(report.bytes)}), ${corrupt} corrupt`;
    output.line(corrupt > 0 ? output.style.red(`${summary} and removed`) : summary);
  }
  return report.corrupt.length > 0 ? ExitCode.download : ExitCode.ok;
}

export async function runCachePrune(
  output: Output,
  dir: string | undefined,
  options: { olderThan?: string; all?: boolean },
): Promise<number> {
  if (options.all === true && options.olderThan !== undefined) {
    throw new RomctlError('--all and --older-than exclude each other', { hint: 'use one of them' });
  }
  const olderThanMs = parseDuration(options.olderThan ?? '30d', '--older-than');
  const cache = BlobCache.at(dir);
  const age = options.all === true ? { all: true } : { olderThanMs };
  const blobs = await cache.prune(age);
  const bundles = await pruneBundles(cache, cache.root, age);
  const report = { removed: [...bundles.removed, ...blobs.removed], bytes: blobs.bytes + bundles.bytes };
  if (output.json) {
    output.printJson(report);
  } else {
    for (const path of report.removed) output.note(`removed ${path}`);
    output.line(`${report.removed.length} files removed, ${formatBytes(report.bytes)} freed`);
  }
  return ExitCode.ok;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
