import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatDuration } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const MiB = 1 << 20;

/** the screen a terminal shows after the writes: `\r`, erase-line and cursor-up applied */
function screen(text: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  const escape = String.fromCharCode(27);
  const tokens = text.split(new RegExp(`(\r|\n|${escape}\\[K|${escape}\\[1A)`));
  for (const token of tokens) {
    if (token === '\r') continue;
    if (token === '\n') {
      row += 1;
      if (lines[row] === undefined) lines[row] = '';
    } else if (token === '\u001b[K') lines[row] = '';
    else if (token === '\u001b[1A') row -= 1;
    else lines[row] = (lines[row] ?? '') + token;
  }
  return lines.filter((line, i) => i <= row || line !== '');
}

describe('progress display', () => {
  it('on a TTY draws a bar with percent, speed and ETA, and an overall line for the plan', () => {
    const out = sink(true);
    const time = clock();
    const progress = createProgress({
      stream: out.stream,
      quiet: false,
      now: time.now,
      steps: [
        { label: 'write system', bytes: 100 * MiB },
        { label: 'reboot', bytes: 0 },
      ],
    });
    progress.startStep(0);
    for (let second = 1; second <= 4; second++) {
      time.advance(1000);
      progress.update('write system', second * 10 * MiB, 100 * MiB);
    }
    const live = screen(out.text());
    expect(live).toHaveLength(2);
    expect(live[0]).toMatch(
      /^ {2}\[1\/2\] write system +\[█{8}░{12}\] {2}40% {2}40\.0 MiB \/ 100\.0 MiB {2}10\.0 MiB\/s {2}ETA 0:06$/,
    );
    expect(live[1]).toMatch(
      /^overall +\[█{8}░{12}\] {2}40% {2}0\/2 steps {2}40\.0 MiB \/ 100\.0 MiB {2}ETA 0:06$/,
    );

    time.advance(6000);
    progress.update('write system', 100 * MiB, 100 * MiB);
    progress.finishStep(0, { state: 'done' });
    progress.startStep(1);
    progress.finishStep(1, { state: 'done' });
    progress.end();
    const final = screen(out.text());
    expect(final[0]).toMatch(
      /^✓ \[1\/2\] write system +\[█{20}\] 100% {2}100\.0 MiB {2}10\.0 MiB\/s {2}10\.0 s$/,
    );
    expect(final[1]).toMatch(/^✓ \[2\/2\] reboot {2}0\.0 s$/);
    expect(final.filter((line) => line !== '')).toHaveLength(2);
  });

  it('counts an empty phase (a sparse image with no data) as complete', () => {
    const out = sink(true);
    const progress = createProgress({
      stream: out.stream,
      quiet: false,
      steps: [{ label: 'cache', bytes: 0 }],
    });
    progress.startStep(0);
    progress.update('write cache', 0, 0);
    progress.finishStep(0, { state: 'done' });
    progress.end();
    expect(screen(out.text())[0]).toMatch(/^✓ \[1\/1\] write cache +\[█{20}\] 100%/);
  });

  it('without a TTY prints one line per finished step and nothing in between', () => {
    const out = sink(false);
    const time = clock();
    const progress = createProgress({
      stream: out.stream,
      quiet: false,
      now: time.now,
      steps: [
        { label: 'rom.zip', bytes: 100 * MiB },
        { label: 'extra.zip', bytes: 10 },
      ],
    });
    progress.fetchEvent({ type: 'start', name: 'rom.zip', source: 'x', size: 100 * MiB, resumedFrom: 0 });
    for (let step = 1; step <= 100; step++) {
      time.advance(100);
      progress.fetchEvent({ type: 'progress', name: 'rom.zip', bytes: step * MiB, size: 100 * MiB });
    }
    progress.fetchEvent({ type: 'done', name: 'rom.zip', size: 100 * MiB, source: 'x' });
    progress.fetchEvent({ type: 'cache-hit', name: 'extra.zip', size: 10 });
    expect(out.text()).toBe(
      '[1/2] ✓ rom.zip  100.0 MiB in 10.0 s (10.0 MiB/s)\n' +
        '[2/2] – extra.zip  skipped: in the cache (10 B, verified)\n',
    );
  });

  it('prints retries and restarts as their own lines, and nothing at all when quiet', () => {
    const out = sink(false);
    const progress = createProgress({ stream: out.stream, quiet: false, steps: [{ label: 'a', bytes: 10 }] });
    progress.fetchEvent({
      type: 'retry',
      name: 'a',
      source: 's',
      attempt: 5,
      withoutProgress: 2,
      allowed: 6,
      delayMs: 1500,
      reason: 'HTTP 503',
    });
    progress.fetchEvent({ type: 'start', name: 'a', source: 's', size: 10, resumedFrom: 4 });
    expect(out.text()).toBe(
      'a: HTTP 503; retry 5 in 1.5 s (2 of 6 in a row without progress)\na: resuming at 4 B\n',
    );

    const quiet = sink(true);
    const silent = createProgress({ stream: quiet.stream, quiet: true, steps: [{ label: 'a', bytes: 2 }] });
    silent.fetchEvent({
      type: 'retry',
      name: 'a',
      source: 's',
      attempt: 1,
      withoutProgress: 1,
      allowed: 6,
      delayMs: 1,
      reason: 'x',
    });
    silent.startStep(0);
    silent.update('a', 1, 2);
    silent.finishStep(0, { state: 'done' });
    silent.end();
    expect(quiet.text()).toBe('');
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(formatDuration(59.2)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});
