import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { ERROR_ENTRIES, explainCode, parseSpftScheme, suggestNames } from '../../src/knowledge/index.js';

const names = (query: string, scheme?: 'v5' | 'old') =>
  explainCode(query, scheme ? { scheme } : {}).matches.map((match) => match.entry.name);

function thrown(action: () => unknown): RomctlError {
  try {
    action();
  } catch (error) {
    if (error instanceof RomctlError) return error;
    throw error;
  }
  throw new Error('expected a RomctlError');
}

describe('explainCode: the codes the issue names', () => {
  it.each([
    ['STATUS_DA_HASH_MISMATCH', 'STATUS_DA_HASH_MISMATCH'],
    ['STATUS_EXCEED_NUM_MAX', 'STATUS_DA_EXCEED_MAX_NUM'],
    ['3004', 'S_DA_DRAM_NOT_SUPPORT'],
    ['5054', 'S_DL_GET_DRAM_SETTING_FAIL'],
    ['4032', 'S_FT_ENABLE_DRAM_FAIL'],
    ['4010', 'S_FT_FORMAT_FAIL'],
    ['2020', 'S_BROM_CHKSUM16_MEM_RESULT_DIFF'],
    ['S_FT_ENABLE_DRAM_FAIL', 'S_FT_ENABLE_DRAM_FAIL'],
    ['S_DA_DRAM_NOT_SUPPORT', 'S_DA_DRAM_NOT_SUPPORT'],
    ['3008', 'S_DA_DRAM_NOT_SUPPORT'],
    ['S_DL_GET_DRAM_SETTING_FAIL', 'S_DL_GET_DRAM_SETTING_FAIL'],
    ['STATUS_SEC_AUTH_FILE_NEEDED', 'STATUS_SEC_AUTH_FILE_NEEDED'],
    ['ERROR_ROM_MUST_ENABLE', 'ERROR_ROM_MUST_ENABLE'],
    ['S_BROM_CMD_STARTCMD_FAIL', 'S_BROM_CMD_STARTCMD_FAIL'],
    ['BROM_CMD_STARTCMD_FAIL', 'S_BROM_CMD_STARTCMD_FAIL'],
  ])('%s resolves to %s', (query, expected) => {
    expect(names(query)).toContain(expected);
  });

  it('names preloader.emi-no-match for 4032', () => {
    const [match] = explainCode('4032', { scheme: 'v5' }).matches;
    expect(match?.entry.rules).toContain('preloader.emi-no-match');
  });

  it('finds every entry by its own name and by each of its numbers', () => {
    for (const entry of ERROR_ENTRIES) {
      expect(names(entry.name.toLowerCase())).toEqual([entry.name]);
      for (const value of Object.values(entry.numbers))
        expect(names(String(value)), entry.name).toContain(entry.name);
    }
  });
});

describe('explainCode: numbers that mean different things', () => {
  it('lists both S_* numberings for an ambiguous number, v5 first, each labelled', () => {
    const { matches } = explainCode('4032');
    expect(matches.map((m) => [m.entry.name, m.schemes])).toEqual([
      ['S_FT_ENABLE_DRAM_FAIL', ['v5']],
      ['S_FT_SEC_RO_WRITE_FAIL', ['old']],
    ]);
    expect(names('3004')).toEqual(['S_DA_SETUP_EMI_PLL_ERR', 'S_DA_DRAM_NOT_SUPPORT']);
    expect(names('4010')).toEqual(['S_FT_FORMAT_FAIL', 'S_FT_READBACK_FAIL']);
    expect(names('2020')).toEqual(['S_BROM_CHKSUM16_MEM_RESULT_DIFF', 'S_BROM_WR16_RD16_MEM_RESULT_DIFF']);
  });

  it('narrows to one numbering with --scheme', () => {
    expect(names('4032', 'v5')).toEqual(['S_FT_ENABLE_DRAM_FAIL']);
    expect(names('4032', 'old')).toEqual(['S_FT_SEC_RO_WRITE_FAIL']);
    expect(names('4034', 'old')).toEqual(['S_FT_ENABLE_DRAM_FAIL']);
    expect(names('3004', 'old')).toEqual(['S_DA_DRAM_NOT_SUPPORT']);
    expect(() => explainCode('4034', { scheme: 'v5' })).toThrow(RomctlError);
  });

  it('shows one match when both numberings agree', () => {
    const { matches } = explainCode('5054');
    expect(matches).toHaveLength(1);
    expect(matches[0]?.schemes).toEqual(['v5', 'old']);
  });
});

describe('explainCode: accepted spellings', () => {
  it('reads DA words as hex with or without 0x, as unsigned or signed decimal', () => {
    for (const query of ['0xC0050003', '0xc0050003', 'C0050003', '3221553155', '-1073414141']) {
      expect(names(query), query).toEqual(['STATUS_DOWNLOAD_EXCEPTION']);
    }
    expect(names('0xC0070004')).toEqual(['STATUS_DA_HASH_MISMATCH']);
  });

  it('reads a decimal-looking number as hex when only a BROM or DA word has it', () => {
    const [match] = explainCode('7024').matches;
    expect(match?.entry.name).toBe('DAA_SIG_VERIFY_FAILED');
    expect(match?.readAsHex).toBe(true);
    expect(names('0x1D0D')).toEqual(['SLA_ERROR']);
  });

  it('accepts names in any case, without the prefix, with dashes or spaces', () => {
    expect(names('s_ft_enable_dram_fail')).toEqual(['S_FT_ENABLE_DRAM_FAIL']);
    expect(names('FT_ENABLE_DRAM_FAIL')).toEqual(['S_FT_ENABLE_DRAM_FAIL']);
    expect(names(' da-hash-mismatch ')).toEqual(['STATUS_DA_HASH_MISMATCH']);
    expect(names('rom must enable')).toEqual(['ERROR_ROM_MUST_ENABLE']);
  });

  it('returns every family that shares an unprefixed name', () => {
    expect(names('BROM_CMD_STARTCMD_FAIL')).toEqual([
      'S_BROM_CMD_STARTCMD_FAIL',
      'STATUS_BROM_CMD_STARTCMD_FAIL',
    ]);
    expect(names('STATUS_BROM_CMD_STARTCMD_FAIL')).toEqual(['STATUS_BROM_CMD_STARTCMD_FAIL']);
  });

  it('resolves aliases and says which spelling was used', () => {
    const [match] = explainCode('status_exceed_num_max').matches;
    expect(match).toMatchObject({ by: 'alias', alias: 'STATUS_EXCEED_NUM_MAX' });
    expect(match?.entry.name).toBe('STATUS_DA_EXCEED_MAX_NUM');
    expect(names('EXCEED_NUM_MAX')).toEqual(['STATUS_DA_EXCEED_MAX_NUM']);
    expect(names('STATUS_PARTITION_NOT_FOUND')).toEqual(['STATUS_PARTITON_NOT_FOUND']);
  });
});

describe('explainCode: unknown input', () => {
  it('suggests the near names for a near miss', () => {
    const error = thrown(() => explainCode('S_FT_ENABLE_DRAM_FAI'));
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(/did you mean S_FT_ENABLE_DRAM_FAIL/);
    expect(suggestNames('STATUS_DA_HASH_MISMATH')).toContain('STATUS_DA_HASH_MISMATCH');
    expect(suggestNames('EMI_SETTING')).toContain('STATUS_EMI_SETTING_VERSION_ERROR');
  });

  it('refuses unknown numbers, empty and overlong input, and unknown schemes with exit 2', () => {
    for (const query of ['8038', '0xC0990001', '', '   ', 'x'.repeat(500), 'not a code at all']) {
      const error = thrown(() => explainCode(query));
      expect(error.exitCode, query).toBe(2);
      expect(error.oneLine()).not.toMatch(/\n/);
    }
    expect(thrown(() => parseSpftScheme('v7')).hint).toMatch(/--scheme v5/);
    expect(parseSpftScheme(' OLD ')).toBe('old');
  });
});

describe('explainCode: fuzzing', () => {
  const outcome = (query: string) => {
    try {
      return explainCode(query).matches.length > 0;
    } catch (error) {
      if (error instanceof RomctlError) return true;
      throw error;
    }
  };
  const knownName = fc.constantFrom(...ERROR_ENTRIES.map((entry) => entry.name));

  it('answers any string with matches or a RomctlError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), outcome), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), outcome), { numRuns: 200 });
  });

  it('answers mutated names and arbitrary numbers the same way', () => {
    const mutated = fc
      .tuple(knownName, fc.nat(40), fc.string({ maxLength: 3 }), fc.nat(3))
      .map(([name, at, insert, drop]) => name.slice(0, at) + insert + name.slice(at + drop));
    fc.assert(fc.property(mutated, outcome), { numRuns: 300 });
    const numbers = fc.oneof(
      fc.integer().map(String),
      fc.integer({ min: 0, max: 0xffffffff }).map((n) => `0x${n.toString(16)}`),
      fc.bigInt().map(String),
    );
    fc.assert(fc.property(numbers, outcome), { numRuns: 300 });
  });
});
