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

/** The index's `terms` of a device: what a query must be contained in for anything but a near miss to match. */
export function searchTerms(device: Omit<SearchEntry, 'terms'>): string {
  const vendor = squash(device.vendor ?? '');
  const names = device.names.map(squash);
  return [device.codename, ...device.aliases, device.chip ?? '']
    .map(squash)
    .concat(names, vendor === '' ? [] : names.map((name) => vendor + name))
    .filter(Boolean)
    .join(' ');
}
const plainCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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

/** How well the squashed text `t` matches the squashed query `q`: exact, prefix, contained, or (when `fuzzy`) a near miss. */
function scoreText(q: string, t: string, fuzzy: boolean): number {
  if (q === '' || t === '') return 0;
  if (q === t) return 100;
  if (t.startsWith(q)) return 80;
  if (t.includes(q)) return 60;
  if (!fuzzy) return 0;
  const limit = q.length >= 8 ? 2 : q.length >= 4 ? 1 : 0;
  return limit > 0 && distance(q, t, limit) <= limit ? 40 : 0;
}

/**
 * The best match of one device: codename, aliases, names (alone and after the vendor) with near misses,
 * the chip without (a chip one digit off is another chip, not a typo). Written as plain loops: it runs for
 * every device of the registry, and building candidate lists for 10,000 devices costs more than the search.
 */
function bestHit(device: SearchEntry, q: string, hwCode: number | undefined, fuzzy: boolean): SearchHit | undefined {
  let score = 0;
  let matched = '';
  if (hwCode !== undefined && device.hwCode !== null && parseHwCode(device.hwCode) === hwCode) {
    score = 90;
    matched = `hw code ${device.hwCode} (${chipsOfHwCode(hwCode).join('/') || device.chip})`;
  }
  let found = scoreText(q, squash(device.codename), fuzzy);
  if (found > score) [score, matched] = [found, 'codename'];
  for (const alias of device.aliases) {
    found = scoreText(q, squash(alias), fuzzy);
    if (found > score) [score, matched] = [found, `alias ${alias}`];
  }
  const vendor = device.names.length > 0 ? squash(device.vendor ?? '') : '';
  for (const name of device.names) {
    const squashed = squash(name);
    found = Math.max(scoreText(q, squashed, fuzzy), scoreText(q, vendor + squashed, fuzzy));
    if (found > score) [score, matched] = [found, `name "${name}"`];
  }
  if (device.chip) {
    found = scoreText(q, squash(device.chip), false);
    if (found > score) [score, matched] = [found, `chip ${device.chip}`];
  }
  return score > 0 ? { device, score, matched } : undefined;
}

function collectHits(devices: readonly SearchEntry[], query: string, hwCode: number | undefined, fuzzy: boolean): SearchHit[] {
  const q = squash(query);
  const hits: SearchHit[] = [];
  for (const device of devices) {
    // without near misses or a hw code, only a device whose terms contain the query can match
    if (!fuzzy && hwCode === undefined && !device.terms.includes(q)) continue;
    const hit = bestHit(device, q, hwCode, fuzzy);
    if (hit) hits.push(hit);
  }
  return hits;
}

/**
 * Devices for a free-text query: codename, alias, marketing name (with or without the vendor), chip, or hw
 * code (`0x279` also finds every chip sharing it). Case and punctuation are ignored; near misses are found
 * when nothing contains the query (looked for only then: edit distances over 10,000 devices cost).
 */
export function searchDevices(devices: readonly SearchEntry[], query: string): SearchHit[] {
  const hwCode = /^0x[0-9a-f]{1,4}$/i.test(query.trim()) ? parseHwCode(query) : undefined;
  let hits = collectHits(devices, query, hwCode, false);
  if (!hits.some((hit) => hit.score >= 60)) hits = collectHits(devices, query, hwCode, true);
  hits.sort((a, b) => b.score - a.score || plainCompare(a.device.codename, b.device.codename));
  // near misses only when nothing contains the query
  return (hits[0]?.score ?? 0) >= 60 ? hits.filter((hit) => hit.score >= 60) : hits;
}

/** Codenames close to a mistyped one, best first, for "unknown codename" errors. */
export function suggestCodenames(devices: readonly SearchEntry[], name: string, count = 3): string[] {
  return searchDevices(devices, name.replace(/@.*$/, ''))
    .slice(0, count)
    .map((hit) => hit.device.codename);
}
