import type { PreventingRule } from './rule-codes.js';

/**
 * The numbering a code belongs to. SP Flash Tool `S_*` names have two numberings: `v5` (the implicit enum of
 * SP Flash Tool 5.x, also mtkclient's table) and `old` (the explicit values of the older BootRom library).
 */
export type Scheme = 'v5' | 'old' | 'app' | 'da' | 'brom';

export type ErrorNumbers = Partial<Record<Scheme, number>>;

export interface ErrorEntry {
  /** the name as the vendor tool prints it, e.g. `S_FT_ENABLE_DRAM_FAIL` */
  name: string;
  numbers: ErrorNumbers;
  meaning: string;
  /** the usual cause on a real phone */
  cause: string;
  remedy: string;
  /** romctl checks that catch the cause before anything is written */
  rules: readonly PreventingRule[];
  /** what an XML (V6) DA says for this condition: an `ERR!…` reply or a CMD:END `<message>`, verbatim */
  daTexts?: readonly string[];
  sources: readonly string[];
}

/** Another spelling of an entry's name (typos in vendor headers, names quoted from memory). */
export interface ErrorAlias {
  alias: string;
  target: string;
  why: string;
}

/** Display order of the schemes: today's SP Flash Tool first. */
export const SCHEMES: readonly Scheme[] = ['v5', 'old', 'app', 'da', 'brom'];

export const SCHEME_LABELS: Record<Scheme, string> = {
  v5: 'SP Flash Tool 5.x numbering',
  old: 'old numbering (BootRom library, SP Flash Tool before v5)',
  app: 'SP Flash Tool application error',
  da: 'XFlash/XML DA status',
  brom: 'BROM status word',
};

/** Short forms for a list of one entry's numbers. */
export const SCHEME_TAGS: Record<Scheme, string> = {
  v5: 'SP Flash Tool v5',
  old: 'old numbering',
  app: 'SP Flash Tool app',
  da: 'DA status',
  brom: 'BROM status',
};

export type Family = 'spft' | 'spft-app' | 'da' | 'brom';

export function familyOf(entry: ErrorEntry): Family {
  if (entry.numbers.da !== undefined) return 'da';
  if (entry.numbers.brom !== undefined) return 'brom';
  if (entry.numbers.app !== undefined) return 'spft-app';
  return 'spft';
}

/** Decimal for SP Flash Tool numbers, hex for DA and BROM status words (as the tools print them). */
export function formatNumber(scheme: Scheme, value: number): string {
  if (scheme === 'da') return `0x${value.toString(16).toUpperCase().padStart(8, '0')}`;
  if (scheme === 'brom') return `0x${value.toString(16).toUpperCase().padStart(4, '0')}`;
  return String(value);
}
