import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { RomctlError } from '../errors.js';
import { PackageError, entryWhere, type PackageLimits, type PackageProblem } from './types.js';

/** Called once per entry in archive order; resolve `true` to end the scan after this entry. */
export type TarEntryHandler = (entry: ReadEntry, ordinal: number) => Promise<boolean> | boolean;

export interface TarScanOutcome {
  /** damaged headers, cut data, a broken gzip stream: each with the entry it hit */
  problems: PackageProblem[];
  /** ordinals of entries whose data the archive could not deliver in full */
  incomplete: Set<number>;
}

const maxReportedWarnings = 10;

/**
 * One sequential pass over a tar or tar.gz (gzip is detected by node-tar from the bytes). Handlers run one at a
 * time; an entry's data waits, with backpressure, until its handler reads it. A handler that does not read
 * must call `entry.resume()`. Ordinals count the entries node-tar emits, so two scans agree on them.
 */
export function scanTar(
  path: string,
  limits: PackageLimits,
  handler: TarEntryHandler,
): Promise<TarScanOutcome> {
  return new Promise((resolve, reject) => {
    const outcome: TarScanOutcome = { problems: [], incomplete: new Set() };
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    const parser = new Parser({ maxDecompressionRatio: limits.maxEntryRatio });
    const ordinals = new WeakMap<ReadEntry, number>();
    let current: ReadEntry | undefined;
    let started = -1;
    let count = 0;
    let declared = 0;
    let warnings = 0;
    let chain: Promise<boolean> = Promise.resolve(false);
    let done = false;

    const stopReading = () => {
      file.unpipe(parser);
      file.destroy();
    };
    const settle = (error?: unknown) => {
      if (done) return;
      done = true;
      stopReading();
      if (error !== undefined) reject(error);
      else chain.then(() => resolve(outcome), reject);
    };
    const problem = (code: PackageProblem['code'], message: string, entry?: ReadEntry) => {
      const found: PackageProblem = { code, severity: 'error', message };
      if (entry) found.entry = entry.path;
      outcome.problems.push(found);
    };
    const fail = (code: PackageProblem['code'], message: string) => {
      const cut = current && current.blockRemain > 0 ? current : undefined;
      problem(code, cut ? `${message} (inside this entry)` : message, current);
      if (cut) {
        outcome.incomplete.add(ordinals.get(cut) as number);
        // a handler already reading the entry must hear about it, or it would wait for the missing bytes
        if (started === ordinals.get(cut) && cut.listenerCount('error') > 0) {
          cut.emit('error', new PackageError(code, message, { where: entryWhere(path, cut.path) }));
        }
      }
      settle();
    };

    parser.on('entry', (entry: ReadEntry) => {
      const ordinal = count++;
      ordinals.set(entry, ordinal);
      current = entry;
      declared += entry.size;
      if (count > limits.maxEntries || declared > limits.maxTotalBytes) {
        entry.resume();
        const what =
          count > limits.maxEntries
            ? `more than ${limits.maxEntries} entries`
            : `more than ${limits.maxTotalBytes} bytes`;
        settle(
          new PackageError('package.bomb', `archive holds ${what}`, {
            where: path,
            hint: 'not a ROM package, or a deliberately inflated one',
          }),
        );
        return;
      }
      chain = chain.then(async (stopped) => {
        if (stopped || done || outcome.incomplete.has(ordinal)) {
          entry.resume();
          return stopped;
        }
        started = ordinal;
        const stop = await handler(entry, ordinal);
        if (stop) settle();
        return stop;
      });
      chain.catch((error: unknown) => settle(error));
    });
    parser.on('warn', (code: string, message: string, data: { entry?: ReadEntry }) => {
      if (/Truncated input/.test(message) && data.entry) {
        outcome.incomplete.add(ordinals.get(data.entry) as number);
        problem('package.truncated', `archive ends inside the entry: ${message}`, data.entry);
      } else if (/Unrecognized archive format/.test(message)) {
        if (count === 0) {
          settle(
            new PackageError('package.unreadable', 'not a tar archive', {
              where: path,
              hint: 'expected a .tar, .tgz or .tar.gz',
            }),
          );
        } else {
          problem('package.corrupt-entry', 'no valid entry in the archive');
        }
      } else if (warnings++ < maxReportedWarnings) {
        problem('package.corrupt-entry', `damaged tar header after ${count} entries: ${message} (${code})`);
      }
    });
    parser.on('error', (error: Error) => {
      const message = error.message;
      if (/decompression ratio/.test(message)) fail('package.bomb', message);
      else if (/unexpected end/i.test(message))
        fail('package.truncated', `compressed stream is cut short: ${message}`);
      else fail('package.corrupt-entry', `compressed stream is damaged: ${message}`);
    });
    parser.on('end', () => settle());
    file.on('error', (error: unknown) =>
      settle(
        error instanceof RomctlError
          ? error
          : new PackageError('package.unreadable', `cannot read: ${(error as Error).message}`, {
              where: path,
              cause: error,
            }),
      ),
    );
    file.pipe(parser);
  });
}
