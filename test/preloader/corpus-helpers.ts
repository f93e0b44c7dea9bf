import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/corpus relative to the repo root; null when the folder is absent */
export function corpusDir(sub: string): string | null {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = join(root, '..', 'shared', 'corpus', sub);
  if (existsSync(dir)) return dir;
  console.warn(`corpus tests skipped: ${dir} is absent`);
  return null;
}

export function corpusFiles(sub: string): Array<{ name: string; bytes: () => Uint8Array }> {
  const dir = corpusDir(sub);
  if (!dir) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.bin') || name.endsWith('.img'))
    .sort()
    .map((name) => ({ name, bytes: () => new Uint8Array(readFileSync(join(dir, name))) }));
}
