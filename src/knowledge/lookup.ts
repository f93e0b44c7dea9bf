import { RomctlError } from '../errors.js';
import { ERROR_ALIASES, ERROR_ENTRIES } from './errors.data.js';
import { SCHEMES, type ErrorEntry, type Scheme } from './model.js';

/** Which of the two SP Flash Tool numberings to read a bare `S_*` number in. */
export type SpftScheme = 'v5' | 'old';

export interface ExplainOptions {
  scheme?: SpftScheme;
}

export interface ExplainMatch {
  entry: ErrorEntry;
  /**
   * `line`: name and number read from a line a tool printed; `words`: the words of its message; `text`: what an
   * XML DA answered, verbatim
   */
  by: 'name' | 'alias' | 'number' | 'line' | 'words' | 'text';
  /** for a number match: the numberings the number was found in (both S_* numberings when they agree) */
  schemes?: Scheme[];
  /** for an alias match: the spelling the user gave */
  alias?: string;
  /** a decimal-looking query that matched only when read as hex (BROM and DA words are printed in hex) */
  readAsHex?: boolean;
}

export interface ExplainResult {
  query: string;
  matches: ExplainMatch[];
}

const MAX_QUERY_LENGTH = 120;
const PREFIXES = ['STATUS_', 'ERROR_', 'S_'];

function normalizeName(text: string): string {
  return text
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}

/** The name without its family prefix, so `BROM_CMD_STARTCMD_FAIL` finds both S_ and STATUS_ forms. */
function stem(name: string): string {
  const prefix = PREFIXES.find((candidate) => name.startsWith(candidate) && name.length > candidate.length);
  return prefix ? name.slice(prefix.length) : name;
}

interface NameIndex {
  byName: Map<string, ErrorEntry>;
  aliasTarget: Map<string, ErrorEntry>;
  /** stem → every entry or alias spelling with that stem */
  byStem: Map<string, { entry: ErrorEntry; alias?: string }[]>;
}

function buildIndex(): NameIndex {
  const byName = new Map(ERROR_ENTRIES.map((entry) => [entry.name, entry]));
  const aliasTarget = new Map<string, ErrorEntry>();
  for (const { alias, target } of ERROR_ALIASES) {
    const entry = byName.get(target);
    if (entry) aliasTarget.set(alias, entry);
  }
  const byStem = new Map<string, { entry: ErrorEntry; alias?: string }[]>();
  const add = (key: string, value: { entry: ErrorEntry; alias?: string }) =>
    byStem.set(key, [...(byStem.get(key) ?? []), value]);
  for (const entry of ERROR_ENTRIES) add(stem(entry.name), { entry });
  for (const [alias, entry] of aliasTarget) add(stem(alias), { entry, alias });
  return { byName, aliasTarget, byStem };
}

const index = buildIndex();

/**
 * Reads a query as a number: decimal, `0x` hex, or bare hex with a letter (`C0070004`). A negative decimal is
 * taken as a signed 32-bit print of an unsigned status word.
 */
function parseNumber(text: string): { value: number; hexLike: boolean; decimalDigits: boolean } | undefined {
  const trimmed = text.trim();
  let value: number;
  if (/^-?\d+$/.test(trimmed)) value = Number(trimmed);
  else if (/^0x[0-9a-f]+$/i.test(trimmed)) value = Number.parseInt(trimmed.slice(2), 16);
  else if (/^[0-9a-f]*[a-f][0-9a-f]*$/i.test(trimmed)) value = Number.parseInt(trimmed, 16);
  else return undefined;
  if (value < 0 && value >= -(2 ** 31)) value += 2 ** 32;
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) return undefined;
  return { value, hexLike: !/^-?\d+$/.test(trimmed), decimalDigits: /^\d+$/.test(trimmed) };
}

function numberMatches(value: number, schemes: readonly Scheme[]): ExplainMatch[] {
  const matches = new Map<ErrorEntry, ExplainMatch>();
  for (const scheme of schemes) {
    for (const entry of ERROR_ENTRIES) {
      if (entry.numbers[scheme] !== value) continue;
      const match = matches.get(entry);
      if (match) match.schemes?.push(scheme);
      else matches.set(entry, { entry, by: 'number', schemes: [scheme] });
    }
  }
  return [...matches.values()];
}

function lookupNumber(text: string, options: ExplainOptions): ExplainMatch[] {
  const parsed = parseNumber(text);
  if (!parsed) return [];
  const other: SpftScheme | undefined = options.scheme === 'v5' ? 'old' : options.scheme ? 'v5' : undefined;
  const schemes = SCHEMES.filter((scheme) => scheme !== other);
  const direct = numberMatches(parsed.value, schemes);
  if (direct.length > 0 || !parsed.decimalDigits) return direct;
  // "7024" in a log next to BROM or DA output is almost always a hex status word printed without 0x
  const asHex = Number.parseInt(text.trim(), 16);
  return numberMatches(asHex, ['da', 'brom']).map((match) => ({ ...match, readAsHex: true }));
}

function lookupName(text: string): ExplainMatch[] {
  const name = normalizeName(text);
  const exact = index.byName.get(name);
  if (exact) return [{ entry: exact, by: 'name' }];
  const aliased = index.aliasTarget.get(name);
  if (aliased) return [{ entry: aliased, by: 'alias', alias: name }];
  const seen = new Set<ErrorEntry>();
  const matches: ExplainMatch[] = [];
  for (const { entry, alias } of index.byStem.get(stem(name)) ?? []) {
    if (seen.has(entry)) continue;
    seen.add(entry);
    matches.push(alias ? { entry, by: 'alias', alias } : { entry, by: 'name' });
  }
  return matches;
}

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, column) => column);
  for (let row = 1; row <= a.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= b.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (a[row - 1] === b[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Known names close to a near miss: small edit distance on the unprefixed name, or containing the query. */
export function suggestNames(query: string, limit = 3): string[] {
  const wanted = stem(normalizeName(query));
  if (wanted.length < 3 || wanted.length > MAX_QUERY_LENGTH) return [];
  const tolerance = Math.max(2, Math.floor(wanted.length / 4));
  const candidates: { name: string; score: number }[] = [];
  for (const name of [...index.byName.keys(), ...index.aliasTarget.keys()]) {
    const candidate = stem(name);
    const distance =
      Math.abs(candidate.length - wanted.length) <= tolerance
        ? levenshtein(wanted, candidate)
        : tolerance + 1;
    if (distance <= tolerance) candidates.push({ name, score: distance });
    else if (wanted.length >= 4 && candidate.includes(wanted))
      candidates.push({ name, score: tolerance + 1 });
  }
  candidates.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return candidates.slice(0, limit).map((candidate) => candidate.name);
}

export function parseSpftScheme(text: string | undefined): SpftScheme | undefined {
  if (text === undefined) return undefined;
  const scheme = text.trim().toLowerCase();
  if (scheme === 'v5' || scheme === 'old') return scheme;
  throw new RomctlError(`unknown numbering scheme '${text}'`, {
    hint: 'use --scheme v5 (SP Flash Tool 5.x) or --scheme old (the BootRom library before v5)',
  });
}

/**
 * Finds what an SP Flash Tool / BROM / DA error code or name means. Every query returns at least one match or
 * throws a RomctlError (bad input, exit 2) with suggestions.
 */
export function explainCode(query: string, options: ExplainOptions = {}): ExplainResult {
  const text = query.trim();
  if (text === '') {
    throw new RomctlError('no error code given', {
      hint: 'give a number (4032, 0xC0070004) or a name (S_FT_ENABLE_DRAM_FAIL)',
    });
  }
  if (text.length > MAX_QUERY_LENGTH) {
    throw new RomctlError(`that is not an error code (${text.length} characters)`, {
      hint: 'give a number (4032, 0xC0070004) or a name (S_FT_ENABLE_DRAM_FAIL)',
    });
  }
  const fromDa = knownDaText(text);
  if (fromDa) return { query: text, matches: [{ entry: fromDa, by: 'text' }] };
  const fromLine = lookupLine(text, options);
  if (fromLine.length > 0) return { query: text, matches: fromLine };
  const byNumber = lookupNumber(text, options);
  const matches = byNumber.length > 0 ? byNumber : lookupName(text);
  if (matches.length > 0) return { query: text, matches };
  const byWords = lookupWords(text);
  if (byWords.length > 0) return { query: text, matches: byWords };
  throw unknownCode(text);
}

const daTextKey = (text: string) =>
  text
    .replace(/\0/g, '')
    .trim()
    .replace(/[.\s]+$/, '')
    .toLowerCase();

let daTexts: Map<string, ErrorEntry> | null = null;

/** the entry one of whose XML DA texts this is, verbatim but for case, NULs and a trailing full stop */
function knownDaText(text: string): ErrorEntry | undefined {
  daTexts ??= new Map(
    ERROR_ENTRIES.flatMap((entry) => (entry.daTexts ?? []).map((t) => [daTextKey(t), entry])),
  );
  return daTexts.get(daTextKey(text));
}

/**
 * The entry for what an XML (V6) DA answered: one of its known texts (`ERR!UNSUPPORTED`, a CMD:END message), or a
 * DA status name or `0xC00…` word inside the text. Undefined when the text says nothing known.
 */
export function entryForDaText(text: string): ErrorEntry | undefined {
  daTexts ??= new Map(
    ERROR_ENTRIES.flatMap((entry) => (entry.daTexts ?? []).map((t) => [daTextKey(t), entry])),
  );
  const known = daTexts.get(daTextKey(text));
  if (known) return known;
  const name = text.toUpperCase().match(/\bSTATUS_[A-Z0-9_]{3,}\b/)?.[0];
  const named = name === undefined ? undefined : lookupName(name)[0]?.entry;
  if (named) return named;
  const word = text.match(/\b0x[0-9a-f]{8}\b/i)?.[0];
  return word === undefined ? undefined : ERROR_ENTRIES.find((entry) => entry.numbers.da === Number(word));
}

/** `S_…`, `STATUS_…`, `ERROR_…` names inside a longer text */
const NAME_IN_TEXT = /\b(?:S|STATUS|ERROR)_[A-Z0-9_]{3,}\b/g;
/** `(4032)`, `(0xc0070004)`, `: 3004` */
const NUMBER_IN_TEXT = /(?:\(|:\s*)(0x[0-9a-f]+|-?\d+)\s*\)?/gi;

/**
 * A line as SP Flash Tool prints it — `BROM ERROR : S_FT_ENABLE_DRAM_FAIL (4032)`, `ERROR : STATUS_DA_HASH_MISMATCH
 * (0xc0070004)`: the name decides; a number beside it picks the numbering it was printed in.
 */
function lookupLine(text: string, options: ExplainOptions): ExplainMatch[] {
  const names = [...text.toUpperCase().matchAll(NAME_IN_TEXT)].map((m) => m[0]);
  if (names.length === 0 || (names.length === 1 && names[0] === normalizeName(text))) return [];
  const numbers = [...text.matchAll(NUMBER_IN_TEXT)].flatMap((m) => {
    const parsed = parseNumber(m[1] ?? '');
    return parsed ? [parsed.value] : [];
  });
  const matches: ExplainMatch[] = [];
  for (const name of names) {
    for (const match of lookupName(name)) {
      if (matches.some((m) => m.entry === match.entry)) continue;
      const schemes = SCHEMES.filter(
        (scheme) =>
          numbers.includes(match.entry.numbers[scheme] ?? -1) &&
          (options.scheme === undefined ||
            scheme === options.scheme ||
            (scheme !== 'v5' && scheme !== 'old')),
      );
      matches.push({ ...match, by: 'line', ...(schemes.length > 0 ? { schemes } : {}) });
    }
  }
  return matches;
}

const STOP_WORDS = new Set(['the', 'a', 'an', 'to', 'of', 'is', 'in', 'on', 'error', 'brom', 'emi']);

/** a word as names spell it: `Failed` → `FAIL`, `Obtain` → `OBTAIN` */
function wordKey(word: string): string {
  return word.toUpperCase().replace(/(ED|ING|S)$/, '');
}

/**
 * The words of a message (`Enable DRAM Failed`, `[EMI] Obtain DRAM Failed!`): entries whose name holds every
 * word, or whose meaning quotes the message, best first.
 */
function lookupWords(text: string): ExplainMatch[] {
  const words = (text.match(/[A-Za-z0-9]+/g) ?? []).filter((w) => !STOP_WORDS.has(w.toLowerCase()));
  if (words.length < 2) return [];
  const keys = words.map(wordKey);
  const phrase = words.join(' ').toLowerCase();
  const scored = ERROR_ENTRIES.flatMap((entry) => {
    const nameKeys = stem(entry.name).split('_').map(wordKey);
    const inName = keys.filter((key) => nameKeys.includes(key)).length;
    const quoted = entry.meaning
      .toLowerCase()
      .replace(/[^a-z0-9 ]+/g, ' ')
      .replace(/\s+/g, ' ')
      .includes(phrase);
    if (!quoted && inName < keys.length) return [];
    return [{ entry, score: (quoted ? 100 : 0) + inName * 10 - nameKeys.length }];
  });
  scored.sort((a, b) => b.score - a.score || a.entry.name.localeCompare(b.entry.name));
  return scored.slice(0, 3).map(({ entry }) => ({ entry, by: 'words' as const }));
}

/**
 * The numbering an SP Flash Tool version prints: 5.x and later the v5 enum, earlier versions (3.x, 4.x) the old
 * BootRom library's values. `5.1924`, `v3.1312`, `SP_Flash_Tool_v5.2052` are all read.
 */
export function schemeForToolVersion(text: string | undefined): SpftScheme | undefined {
  if (text === undefined) return undefined;
  const major = /(\d+)\.\d+/.exec(text)?.[1] ?? /^\s*v?(\d+)\s*$/i.exec(text)?.[1];
  if (major === undefined) {
    throw new RomctlError(`'${text}' is not an SP Flash Tool version`, {
      hint: 'give the version the tool shows in its title bar, e.g. --tool-version 5.1924 or 3.1312',
    });
  }
  return Number(major) >= 5 ? 'v5' : 'old';
}

function unknownCode(text: string): RomctlError {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  const suggestions = suggestNames(text);
  if (suggestions.length > 0) {
    return new RomctlError(`unknown error code or name ${shown}`, {
      hint: `did you mean ${suggestions.join(', ')}?`,
    });
  }
  if (parseNumber(text)) {
    return new RomctlError(`unknown error code ${shown}`, {
      hint:
        'romctl knows no SP Flash Tool, BROM or DA code with that number; look it up by the name the tool ' +
        'prints next to it (romctl explain S_…)',
    });
  }
  return new RomctlError(`unknown error name ${shown}`, {
    hint: 'give a number (4032, 0xC0070004) or a name as SP Flash Tool prints it (S_FT_ENABLE_DRAM_FAIL)',
  });
}
