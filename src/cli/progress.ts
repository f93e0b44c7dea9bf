import type { FetchEvent } from '../fetch/types.js';

export interface ProgressOptions {
  stream: { write(text: string): unknown; isTTY?: boolean };
  quiet: boolean;
  now?: () => number;
  /** a TTY line is redrawn at most this often */
  ttyIntervalMs?: number;
  /** without a TTY, a line is printed at most this often */
  plainIntervalMs?: number;
}

export interface ProgressReporter {
  /** bytes done of `total` for the work named `label` */
  update(label: string, bytes: number, total: number | undefined): void;
  /** a one-off line (a retry, a restart), printed at once */
  message(text: string): void;
  /** ends the current line */
  end(): void;
  /** adapter for the download library's events */
  fetchEvent(event: FetchEvent): void;
}

const rateWindowMs = 5000;

/**
 * Progress on stderr: a line redrawn in place on a TTY, plain lines at most every few seconds otherwise,
 * nothing with --quiet. Rate is measured over the last few seconds so it follows changes; ETA comes from it.
 */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const tty = options.stream.isTTY === true;
  const interval = tty ? (options.ttyIntervalMs ?? 100) : (options.plainIntervalMs ?? 5000);
  let samples: { at: number; bytes: number }[] = [];
  let lastDraw = -Infinity;
  let drawn = false;
  let started = now();

  const write = (text: string) => {
    if (!options.quiet) options.stream.write(text);
  };
  const clear = () => {
    if (tty && drawn) write('\r\u001b[K');
    drawn = false;
  };

  const reporter: ProgressReporter = {
    update(label, bytes, total) {
      const at = now();
      samples.push({ at, bytes });
      while (samples.length > 2 && at - (samples[0] as { at: number }).at > rateWindowMs) samples.shift();
      const finished = total !== undefined && bytes >= total;
      if (at - lastDraw < interval && !finished) return;
      lastDraw = at;
      const line = progressLine(label, bytes, total, rate(samples));
      if (tty) {
        write(`\r\u001b[K${line}`);
        drawn = true;
      } else {
        write(`${line}\n`);
      }
    },
    message(text) {
      clear();
      write(`${text}\n`);
    },
    end() {
      if (tty && drawn) write('\n');
      drawn = false;
    },
    fetchEvent(event) {
      switch (event.type) {
        case 'start':
          if (event.resumedFrom > 0)
            reporter.message(`${event.name}: resuming at ${formatBytes(event.resumedFrom)}`);
          started = now();
          samples = [{ at: started, bytes: event.resumedFrom }];
          lastDraw = -Infinity;
          break;
        case 'progress':
          reporter.update(event.name, event.bytes, event.size);
          break;
        case 'retry':
          reporter.message(
            `${event.name}: ${event.reason}; retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s` +
              ` (${event.withoutProgress} of ${event.allowed} in a row without progress)`,
          );
          break;
        case 'restart':
          reporter.message(`${event.name}: starting again: ${event.reason}`);
          break;
        case 'source-failed':
          reporter.message(`${event.name}: ${event.source} failed: ${event.reason}`);
          break;
        case 'waiting-for-lock':
          reporter.message(`${event.name}: waiting for ${event.holder}, which is downloading it`);
          break;
        case 'verifying':
          // hashing runs alongside the download: what is left to verify is over in a moment
          break;
        case 'cache-hit':
          reporter.message(`${event.name}: in the cache (${formatBytes(event.size)}, verified)`);
          break;
        case 'done': {
          reporter.end();
          const seconds = Math.max(0.001, (now() - started) / 1000);
          reporter.message(`${event.name}: ${formatBytes(event.size)} verified in ${seconds.toFixed(1)} s`);
          break;
        }
      }
    },
  };
  return reporter;
}

function rate(samples: readonly { at: number; bytes: number }[]): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || last.at - first.at < 200) return undefined;
  return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
}

export function progressLine(
  label: string,
  bytes: number,
  total: number | undefined,
  perSecond?: number,
): string {
  const parts = [
    label,
    total === undefined ? formatBytes(bytes) : `${formatBytes(bytes)} / ${formatBytes(total)}`,
  ];
  if (total !== undefined && total > 0) parts.push(`${Math.floor((bytes * 100) / total)}%`);
  if (perSecond !== undefined) {
    parts.push(`${formatBytes(perSecond)}/s`);
    if (total !== undefined && perSecond > 0 && bytes < total)
      parts.push(`ETA ${formatDuration((total - bytes) / perSecond)}`);
  }
  return parts.join('  ');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  const total = Math.ceil(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
