import { chipsOfHwCode, parseHwCode } from './chips.js';
import type { SearchEntry } from './model.js';

export interface SearchHit {
  device: SearchEntry;
  /** higher is better */
  score: number;
  /** what matched: `codename`, `alias nikel_global`, `name "Redmi Note 4"`, `chip MT6797`, `hw code 0x279` */
  matched: string;
}

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** Edit distance, bounded: anything beyond `limit` is reported as limit + 1. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // optimal string alignment: a swap of two neighbours ("nikle") counts as one edit
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const up = rows[i - 1] as number[];
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

function scoreText(query: string, text: string, fuzzy: boolean): number {
  const q = squash(query);
  const t = squash(text);
  if (q === '' || t === '') return 0;
  if (q === t) return 100;
  if (t.startsWith(q)) return 80;
  if (t.includes(q)) return 60;
  if (!fuzzy) return 0;
  const limit = q.length >= 8 ? 2 : q.length >= 4 ? 1 : 0;
  return limit > 0 && distance(q, t, limit) <= limit ? 40 : 0;
}

/** [text, what it is, near misses count] — a chip one digit off is another chip, not a typo */
function candidates(device: SearchEntry): [string, string, boolean][] {
  return [
    [device.codename, 'codename', true],
    ...device.aliases.map((alias): [string, string, boolean] => [alias, `alias ${alias}`, true]),
    ...device.names.map((name): [string, string, boolean] => [name, `name "${name}"`, true]),
    ...device.names.map((name): [string, string, boolean] => [`${device.vendor ?? ''} ${name}`, `name "${name}"`, true]),
    ...(device.chip ? [[device.chip, `chip ${device.chip}`, false] as [string, string, boolean]] : []),
  ];
}

/**
 * Devices for a free-text query: codename, alias, marketing name (with or without the vendor), chip, or hw
 * code (`0x279` also finds every chip sharing it). Case and punctuation are ignored; near misses are found.
 */
export function searchDevices(devices: readonly SearchEntry[], query: string): SearchHit[] {
  const hwCode = /^0x[0-9a-f]{1,4}$/i.test(query.trim()) ? parseHwCode(query) : undefined;
  const hits: SearchHit[] = [];
  for (const device of devices) {
    let best: SearchHit | undefined;
    if (hwCode !== undefined && device.hwCode !== null && parseHwCode(device.hwCode) === hwCode) {
      best = { device, score: 90, matched: `hw code ${device.hwCode} (${chipsOfHwCode(hwCode).join('/') || device.chip})` };
    }
    for (const [text, what, fuzzy] of candidates(device)) {
      const score = scoreText(query, text, fuzzy);
      if (score > (best?.score ?? 0)) best = { device, score, matched: what };
    }
    if (best) hits.push(best);
  }
  hits.sort((a, b) => b.score - a.score || a.device.codename.localeCompare(b.device.codename));
  // near misses only when nothing contains the query
  return (hits[0]?.score ?? 0) >= 60 ? hits.filter((hit) => hit.score >= 60) : hits;
}

/** Codenames close to a mistyped one, best first, for "unknown codename" errors. */
export function suggestCodenames(devices: readonly SearchEntry[], name: string, count = 3): string[] {
  return searchDevices(devices, name.replace(/@.*$/, ''))
    .slice(0, count)
    .map((hit) => hit.device.codename);
}
