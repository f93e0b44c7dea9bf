import type { FetchEvent } from '../fetch/types.js';

/** One step of the work a command will do, and how many bytes it moves (its share of the overall line). */
export interface PlannedStep {
  label: string;
  bytes: number;
}

export interface ProgressOptions {
  stream: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  quiet: boolean;
  /** the whole job, for the overall line; without it only the current bar is shown */
  steps?: readonly PlannedStep[];
  now?: () => number;
  /** a TTY is redrawn at most this often */
  ttyIntervalMs?: number;
}

export type StepOutcome = { state: 'done' | 'skipped'; detail?: string };

export interface ProgressReporter {
  /** step `index` of the plan begins */
  startStep(index: number): void;
  /** bytes done of `total` for one phase of the current step (`write system`, `verify system`) */
  update(label: string, bytes: number, total: number | undefined): void;
  /** step `index` is over */
  finishStep(index: number, outcome: StepOutcome): void;
  /** a one-off line (a retry, a note), printed at once above the bars */
  message(text: string): void;
  /** clears the live bars (finished lines stay) */
  end(): void;
  /** adapter for the download library's events; steps are found by file name */
  fetchEvent(event: FetchEvent): void;
}

const rateWindowMs = 5000;
const barWidth = 20;
const labelWidth = 30;

interface Phase {
  label: string;
  bytes: number;
  total: number | undefined;
  startedAt: number;
  samples: { at: number; bytes: number }[];
  finished: boolean;
}

/**
 * Progress on stderr. On a TTY: a bar per phase (percent, speed, ETA) that stays on screen at 100% when the
 * phase ends, and below it an overall line for the whole plan (bytes, steps done, ETA). Without a TTY: one
 * line per finished step. Nothing at all with --quiet.
 */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const tty = options.stream.isTTY === true;
  const interval = options.ttyIntervalMs ?? 100;
  const steps = options.steps ?? [];
  const planBytes = steps.reduce((sum, step) => sum + step.bytes, 0);
  const startedAt = now();
  let finishedSteps = 0;
  let finishedBytes = 0;
  let current = -1;
  let stepStartedAt = startedAt;
  /** when the last phase or step began or ended: a new phase's bytes were moved since then */
  let boundary = startedAt;
  /** bytes of the current step's phases, by label */
  let stepPhases = new Map<string, number>();
  let phase: Phase | null = null;
  let liveLines = 0;
  let lastDraw = -Infinity;

  const write = (text: string) => {
    if (!options.quiet) options.stream.write(text);
  };
  const fit = (line: string) => {
    const columns = options.stream.columns;
    return columns !== undefined && columns > 10 && line.length >= columns
      ? line.slice(0, columns - 1)
      : line;
  };
  const clearLive = () => {
    if (liveLines === 0) return;
    write(`\r\u001b[K${'\u001b[1A\u001b[K'.repeat(liveLines - 1)}`);
    liveLines = 0;
  };
  const stepPrefix = (index: number) => (steps.length > 0 ? `[${index + 1}/${steps.length}] ` : '');
  const currentStepBytes = () => {
    const moved = [...stepPhases.values()].reduce((sum, bytes) => sum + bytes, 0);
    const weight = steps[current]?.bytes ?? 0;
    return Math.min(moved, weight);
  };
  const overallLine = (at: number) => {
    const done = finishedBytes + currentStepBytes();
    const elapsed = (at - startedAt) / 1000;
    const parts = [
      `${'overall'.padEnd(labelWidth)} ${bar(done, planBytes)} ${percent(done, planBytes)}`,
      `${finishedSteps}/${steps.length} steps`,
      `${formatBytes(done)} / ${formatBytes(planBytes)}`,
    ];
    if (done > 0 && done < planBytes && elapsed > 0.2)
      parts.push(`ETA ${formatDuration((elapsed * (planBytes - done)) / done)}`);
    return parts.join('  ');
  };
  const draw = (at: number) => {
    if (!tty || options.quiet) return;
    const lines: string[] = [];
    if (phase && !phase.finished) lines.push(liveBar(phase, at));
    if (steps.length > 0 && current >= 0) lines.push(overallLine(at));
    clearLive();
    if (lines.length === 0) return;
    write(lines.map(fit).join('\n'));
    liveLines = lines.length;
    lastDraw = at;
  };
  const liveBar = (p: Phase, at: number) => {
    const parts = [
      `  ${`${stepPrefix(current)}${p.label}`.padEnd(labelWidth - 2)} ${bar(p.bytes, p.total)} ${percent(p.bytes, p.total)}`,
    ];
    parts.push(
      p.total === undefined ? formatBytes(p.bytes) : `${formatBytes(p.bytes)} / ${formatBytes(p.total)}`,
    );
    const perSecond = rate(p.samples, at);
    if (perSecond !== undefined) {
      parts.push(`${formatBytes(perSecond)}/s`);
      if (p.total !== undefined && perSecond > 0 && p.bytes < p.total)
        parts.push(`ETA ${formatDuration((p.total - p.bytes) / perSecond)}`);
    }
    return parts.join('  ');
  };
  /** a finished phase stays on a TTY as a full bar with its size, average speed and time */
  const finishPhase = (at: number) => {
    if (!phase || phase.finished) return;
    phase.finished = true;
    boundary = at;
    if (!tty) return;
    const seconds = Math.max(0.001, (at - phase.startedAt) / 1000);
    const size = Math.max(phase.bytes, phase.total ?? 0);
    clearLive();
    write(
      `${fit(
        [
          `✓ ${`${stepPrefix(current)}${phase.label}`.padEnd(labelWidth - 2)} ${bar(1, 1)} 100%`,
          formatBytes(size),
          `${formatBytes(size / seconds)}/s`,
          `${seconds.toFixed(1)} s`,
        ].join('  '),
      )}\n`,
    );
  };

  const reporter: ProgressReporter = {
    startStep(index) {
      current = index;
      stepStartedAt = now();
      boundary = stepStartedAt;
      stepPhases = new Map();
      draw(stepStartedAt);
    },
    update(label, bytes, total) {
      const at = now();
      if (phase?.label !== label || (phase.finished && bytes < phase.bytes)) {
        finishPhase(at);
        phase = {
          label,
          bytes: 0,
          total,
          startedAt: boundary,
          samples: [{ at: boundary, bytes: 0 }],
          finished: false,
        };
      }
      phase.bytes = bytes;
      phase.total = total;
      phase.samples.push({ at, bytes });
      while (phase.samples.length > 2 && at - (phase.samples[0] as { at: number }).at > rateWindowMs)
        phase.samples.shift();
      stepPhases.set(label, bytes);
      if (total !== undefined && bytes >= total) {
        finishPhase(at);
        draw(at);
      } else if (at - lastDraw >= interval) draw(at);
    },
    finishStep(index, outcome) {
      const at = now();
      finishPhase(at);
      const moved = [...stepPhases.values()].reduce((sum, bytes) => sum + bytes, 0);
      finishedSteps += 1;
      finishedBytes += steps[index]?.bytes ?? 0;
      current = index;
      stepPhases = new Map();
      phase = null;
      const label = steps[index]?.label ?? '';
      const seconds = (at - stepStartedAt) / 1000;
      const facts =
        outcome.state === 'skipped'
          ? `skipped${outcome.detail ? `: ${outcome.detail}` : ''}`
          : moved > 0
            ? `${formatBytes(moved)} in ${seconds.toFixed(1)} s (${formatBytes(moved / Math.max(seconds, 0.001))}/s)`
            : `${seconds.toFixed(1)} s`;
      if (!tty) {
        write(`${stepPrefix(index)}${outcome.state === 'done' ? '✓' : '–'} ${label}  ${facts}\n`);
        return;
      }
      clearLive();
      // steps that moved bytes already left their bars; the others get one line
      if (moved === 0 || outcome.state === 'skipped')
        write(`${fit(`${outcome.state === 'done' ? '✓' : '–'} ${stepPrefix(index)}${label}  ${facts}`)}\n`);
      draw(at);
    },
    message(text) {
      clearLive();
      write(`${text}\n`);
      draw(now());
    },
    end() {
      clearLive();
    },
    fetchEvent(event) {
      const index = steps.findIndex((step) => step.label === event.name);
      switch (event.type) {
        case 'start':
          if (current !== index) reporter.startStep(index);
          if (event.resumedFrom > 0)
            reporter.message(`${event.name}: resuming at ${formatBytes(event.resumedFrom)}`);
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
          reporter.startStep(index);
          reporter.finishStep(index, {
            state: 'skipped',
            detail: `in the cache (${formatBytes(event.size)}, verified)`,
          });
          break;
        case 'done':
          reporter.update(event.name, event.size, event.size);
          reporter.finishStep(index, { state: 'done', detail: 'verified' });
          break;
      }
    },
  };
  return reporter;
}

function rate(samples: readonly { at: number; bytes: number }[], at: number): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || at - first.at < 200 || last.at === first.at)
    return undefined;
  // a restarted download counts down for a moment: no negative speed
  return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
}

/** an empty total (a sparse image with no data) is complete */
function fraction(done: number, total: number | undefined): number | undefined {
  if (total === undefined) return undefined;
  return total <= 0 ? 1 : Math.min(1, done / total);
}

function percent(done: number, total: number | undefined): string {
  const part = fraction(done, total);
  return part === undefined ? '   ' : `${Math.floor(part * 100)}%`.padStart(4);
}

function bar(done: number, total: number | undefined): string {
  const part = fraction(done, total);
  if (part === undefined) return `[${'·'.repeat(barWidth)}]`;
  const full = Math.floor(part * barWidth);
  return `[${'█'.repeat(full)}${'░'.repeat(barWidth - full)}]`;
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
