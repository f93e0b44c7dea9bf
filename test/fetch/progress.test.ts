import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatDuration, progressLine } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const MiB = 1 << 20;

describe('progress reporter', () => {
  it('redraws one line on a TTY, with bytes, percentage, rate and ETA', () => {
    const out = sink(true);
    const time = clock();
    const progress = createProgress({ stream: out.stream, quiet: false, now: time.now });
    progress.fetchEvent({ type: 'start', name: 'rom.zip', source: 'x', size: 100 * MiB, resumedFrom: 0 });
    for (let second = 1; second <= 4; second++) {
      time.advance(1000);
      progress.fetchEvent({ type: 'progress', name: 'rom.zip', bytes: second * 10 * MiB, size: 100 * MiB });
    }
    const frames = out
      .text()
      .split('\r\u001b[K')
      .filter((frame) => frame !== '');
    expect(frames).toHaveLength(4);
    expect(frames.at(-1)).toBe('rom.zip  40.0 MiB / 100.0 MiB  40%  10.0 MiB/s  ETA 0:06');
    expect(out.text()).not.toContain('\n');
  });

  it('without a TTY prints plain lines at most every few seconds, plus the last one', () => {
    const out = sink(false);
    const time = clock();
    const progress = createProgress({
      stream: out.stream,
      quiet: false,
      now: time.now,
      plainIntervalMs: 5000,
    });
    progress.fetchEvent({ type: 'start', name: 'rom.zip', source: 'x', size: 100 * MiB, resumedFrom: 0 });
    for (let step = 1; step <= 100; step++) {
      time.advance(100);
      progress.fetchEvent({ type: 'progress', name: 'rom.zip', bytes: step * MiB, size: 100 * MiB });
    }
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^rom\.zip {2}1\.00 MiB \/ 100\.0 MiB {2}1%/);
    expect(lines[2]).toMatch(/100\.0 MiB \/ 100\.0 MiB {2}100%/);
    expect(out.text()).not.toContain('\r');
  });

  it('prints retries and restarts as their own lines, and nothing at all when quiet', () => {
    const out = sink(false);
    const progress = createProgress({ stream: out.stream, quiet: false });
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
    const silent = createProgress({ stream: quiet.stream, quiet: true });
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
    silent.update('a', 1, 2);
    silent.end();
    expect(quiet.text()).toBe('');
  });

  it('formats sizes, durations and lines without a known total', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(formatDuration(59.2)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(progressLine('x', 2048, undefined)).toBe('x  2.00 KiB');
  });
});
