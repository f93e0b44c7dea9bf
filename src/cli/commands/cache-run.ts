import { ExitCode, RomctlError } from '../../errors.js';
import { relative } from 'node:path';
import { blobLabels, pruneLabels, unpackedBundles } from '../../fetch/cache-catalogue.js';
import { BlobCache } from '../../fetch/cache.js';
import { pruneBundles } from '../../fetch/leftovers.js';
import type { Output } from '../output.js';
import { formatBytes } from '../progress.js';
import { parseDuration } from '../quantities.js';

export async function runCacheList(output: Output, dir: string | undefined): Promise<number> {
  const cache = BlobCache.at(dir);
  const blobs = await cache.list();
  const labels = await blobLabels(cache);
  const bundles = await unpackedBundles(cache);
  const partials = await cache.listPartials();
  if (output.json) {
    output.printJson({
      root: cache.root,
      blobs: blobs.map((blob) => {
        const label = labels.get(blob.sha256);
        return {
          ...blob,
          name: label?.name ?? null,
          codename: label?.codename ?? null,
          bundle: label?.bundle ?? null,
          version: label?.version ?? null,
          lastUsed: blob.lastUsed.toISOString(),
        };
      }),
      bundles: bundles.map((bundle) => ({ ...bundle, lastUsed: bundle.lastUsed.toISOString() })),
      partials: partials.map((partial) => ({ ...partial, lastModified: partial.lastModified.toISOString() })),
    });
    return ExitCode.ok;
  }
  const rows: string[][] = [];
  for (const blob of blobs) {
    const label = labels.get(blob.sha256);
    rows.push([
      label?.name ?? `${blob.sha256.slice(0, 16)}… (no name recorded)`,
      label?.codename ?? '-',
      label?.bundle ?? '-',
      formatBytes(blob.size),
      when(blob.lastUsed),
    ]);
  }
  for (const bundle of bundles) {
    rows.push([
      `${relative(cache.root, bundle.path)}/ (unpacked)`,
      bundle.codename,
      bundle.bundle,
      formatBytes(bundle.size),
      when(bundle.lastUsed),
    ]);
  }
  for (const partial of partials) {
    rows.push([
      `${partial.key.slice(0, 16)}… (partial download)`,
      '-',
      '-',
      formatBytes(partial.bytes),
      when(partial.lastModified),
    ]);
  }
  if (rows.length > 0) {
    const table = [['FILE', 'DEVICE', 'RELEASE', 'SIZE', 'LAST USED'], ...rows];
    const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
    for (const [i, row] of table.entries()) {
      const line = row.map((cell, column) =>
        column === 3 ? cell.padStart(widths[3]!) : cell.padEnd(widths[column]!),
      );
      output.line(i === 0 ? output.style.bold(line.join('  ').trimEnd()) : line.join('  ').trimEnd());
    }
  }
  const sum = (sizes: number[]) => formatBytes(sizes.reduce((total, size) => total + size, 0));
  output.line(
    output.style.dim(
      `${count(blobs.length, 'download')} (${sum(blobs.map((b) => b.size))}), ` +
        `${count(bundles.length, 'unpacked bundle')} (${sum(bundles.map((b) => b.size))}), ` +
        `${count(partials.length, 'partial download')}; ${cache.root}`,
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
  const files = await cache.prune(age);
  const bundles = await pruneBundles(cache, cache.root, age);
  await pruneLabels(cache);
  const report = {
    removed: [...files.removed, ...bundles.removed],
    bytes: files.bytes + bundles.bytes,
    bundles: bundles.removed,
  };
  if (output.json) {
    output.printJson(report);
  } else {
    for (const path of report.removed) output.note(`removed ${path}`);
    output.line(
      `${count(files.removed.length, 'file')} and ${count(bundles.removed.length, 'unpacked bundle')} removed, ` +
        `${formatBytes(report.bytes)} freed`,
    );
  }
  return ExitCode.ok;
}

function when(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
