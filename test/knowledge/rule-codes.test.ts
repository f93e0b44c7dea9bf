import { describe, expect, it } from 'vitest';
import { DEVICE_RULES, PACKAGE_RULES } from '../../src/check/index.js';
import { SESSION_REFUSALS } from '../../src/engine/flash-session.js';
import { ERROR_ENTRIES, PREVENTING_RULES, RULE_CODE_MEANINGS } from '../../src/knowledge/index.js';

/** Every code romctl can emit: the check rules' and the flash session's. */
const emitted = new Set<string>([
  ...[...PACKAGE_RULES, ...DEVICE_RULES].flatMap((rule) => rule.codes),
  ...SESSION_REFUSALS,
]);

describe('the knowledge base names only rules that exist', () => {
  it('every rule `romctl explain` says prevents an error is emitted by a check rule or the flash session', () => {
    expect(PREVENTING_RULES.filter((code) => !emitted.has(code))).toEqual([]);
  });

  it('every entry’s rules are among them', () => {
    const missing = ERROR_ENTRIES.flatMap((entry) => entry.rules.filter((rule) => !emitted.has(rule)));
    expect(missing).toEqual([]);
  });

  it('rule codes are unique dotted slugs', () => {
    for (const code of emitted) expect(code).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  });
});

describe('romctl explain knows every finding code', () => {
  it('each code a rule or the flash session emits has a one-line meaning', () => {
    expect([...emitted].filter((code) => RULE_CODE_MEANINGS[code] === undefined)).toEqual([]);
  });
});
