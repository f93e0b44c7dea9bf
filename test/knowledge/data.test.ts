import { describe, expect, it } from 'vitest';
import {
  ERROR_ALIASES,
  ERROR_ENTRIES,
  familyOf,
  PREVENTING_RULES,
  SCHEMES,
  type Scheme,
} from '../../src/knowledge/index.js';

const ranges: Record<Scheme, (value: number) => boolean> = {
  v5: (value) => value >= 1000 && value < 11000,
  old: (value) => value >= 1000 && value < 11000,
  app: (value) => value > 8500 && value < 8600,
  // DA words: severity byte 0xC0 (error) or 0x40 (information), then a 0x00XX group
  da: (value) => value <= 0xffffffff && [0xc0, 0x40].includes(Math.floor(value / 0x1000000)),
  brom: (value) => value > 0 && value <= 0xffff,
};

describe('error knowledge base data', () => {
  it('has unique, upper-case names that also do not collide with aliases', () => {
    const names = ERROR_ENTRIES.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Z0-9_]*[A-Z0-9]$/);
    for (const { alias } of ERROR_ALIASES) expect(names).not.toContain(alias);
    expect(new Set(ERROR_ALIASES.map((alias) => alias.alias)).size).toBe(ERROR_ALIASES.length);
  });

  it('gives every entry well-formed numbers in the schemes its name prefix implies', () => {
    for (const entry of ERROR_ENTRIES) {
      const schemes = SCHEMES.filter((scheme) => entry.numbers[scheme] !== undefined);
      expect(schemes.length, entry.name).toBeGreaterThan(0);
      for (const scheme of schemes) {
        const value = entry.numbers[scheme] ?? Number.NaN;
        expect(Number.isSafeInteger(value) && ranges[scheme](value), `${entry.name} ${scheme}=${value}`).toBe(
          true,
        );
      }
      if (entry.name.startsWith('S_'))
        expect(
          schemes.every((s) => s === 'v5' || s === 'old'),
          entry.name,
        ).toBe(true);
      else if (entry.name.startsWith('STATUS_')) expect(schemes, entry.name).toEqual(['da']);
      else if (entry.name.startsWith('ERROR_')) expect(schemes, entry.name).toEqual(['app']);
      else expect(schemes, entry.name).toEqual(['brom']);
    }
  });

  it('never gives two entries the same number in one scheme', () => {
    for (const scheme of SCHEMES) {
      const values = ERROR_ENTRIES.flatMap((entry) => entry.numbers[scheme] ?? []);
      expect(new Set(values).size, scheme).toBe(values.length);
    }
  });

  it('names only rule codes from PREVENTING_RULES, and every listed rule is used', () => {
    const listed = new Set<string>(PREVENTING_RULES);
    const used = new Set<string>();
    for (const entry of ERROR_ENTRIES) {
      for (const rule of entry.rules) {
        expect(listed.has(rule), `${entry.name} → ${rule}`).toBe(true);
        used.add(rule);
      }
      expect(new Set(entry.rules).size, entry.name).toBe(entry.rules.length);
    }
    expect([...listed].filter((rule) => !used.has(rule))).toEqual([]);
    for (const rule of PREVENTING_RULES) expect(rule).toMatch(/^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('points every alias at an existing entry', () => {
    const names = new Set(ERROR_ENTRIES.map((entry) => entry.name));
    for (const { alias, target, why } of ERROR_ALIASES) {
      expect(names.has(target), `${alias} → ${target}`).toBe(true);
      expect(why.length).toBeGreaterThan(0);
    }
  });

  it('fills meaning, cause, remedy and sources with one-line text', () => {
    for (const entry of ERROR_ENTRIES) {
      for (const text of [entry.meaning, entry.cause, entry.remedy]) {
        expect(text.trim().length, entry.name).toBeGreaterThan(3);
        expect(text, entry.name).not.toMatch(/\n/);
      }
      expect(entry.sources.length, entry.name).toBeGreaterThan(0);
    }
  });

  it('covers the four families with the reference tables', () => {
    const count = (family: string) => ERROR_ENTRIES.filter((entry) => familyOf(entry) === family).length;
    expect(count('spft')).toBeGreaterThanOrEqual(100);
    expect(count('da')).toBeGreaterThanOrEqual(70);
    expect(count('brom')).toBeGreaterThanOrEqual(20);
    expect(count('spft-app')).toBe(10);
  });
});
