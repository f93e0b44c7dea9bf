/** What a run left on disk and in the process table, for tests that assert "nothing left behind". */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every path under `root`, relative and sorted ([] when it does not exist). */
export async function pathsUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.map((entry) => relative(root, join(entry.parentPath, entry.name))).sort();
}

/** The names directly in `dir` ([] when it does not exist). */
export async function namesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).sort();
}

/** pid and command line of every process whose command line mentions `text` (Linux /proc). */
export async function processesMentioning(text: string): Promise<{ pid: number; command: string }[]> {
  const found = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const command = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (command.includes(text))
      found.push({ pid: Number(name), command: command.replace(/\0/g, ' ').trim() });
  }
  return found;
}

/** Polls `probe` until it returns true or `ms` pass; returns the last answer. */
export async function eventually(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
