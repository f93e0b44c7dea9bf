/** Turning archive entry names into safe relative paths, or saying why they are not safe. */

export type EntryPathResult = { ok: true; path: string } | { ok: false; reason: string };

const maxPathLength = 4096;
const maxComponentBytes = 255;

/**
 * Normalises an entry name to `a/b/c`. Backslashes count as separators (Windows tools write them, and a
 * Windows unpacker would honour `..\`), so they cannot smuggle a traversal past the checks. An empty result
 * means the archive root (`./`), which callers skip.
 */
export function normaliseEntryPath(raw: string): EntryPathResult {
  if (raw.includes('\0')) return { ok: false, reason: 'contains a NUL character' };
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/')) return { ok: false, reason: 'is an absolute path' };
  if (/^[A-Za-z]:/.test(name)) return { ok: false, reason: 'starts with a Windows drive letter' };
  if (name.length > maxPathLength) return { ok: false, reason: `is longer than ${maxPathLength} characters` };
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { ok: false, reason: 'contains a `..` component' };
    if (part.includes(':')) return { ok: false, reason: 'contains `:` (a Windows drive or stream name)' };
    if (Buffer.byteLength(part) > maxComponentBytes) {
      return { ok: false, reason: `has a component longer than ${maxComponentBytes} bytes` };
    }
    parts.push(part);
  }
  return { ok: true, path: parts.join('/') };
}

/** The key under which two names collide on a case-insensitive, normalising file system (Windows, macOS). */
export function caseFoldKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}
