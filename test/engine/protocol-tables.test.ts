import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BromCommand, BromStatus } from '../../src/engine/brom-protocol.js';
import { Cmd, Ctrl, Status } from '../../src/engine/da/xflash-protocol.js';
import { DA_RESET_RESULT, Reply } from '../../src/engine/da/xml-protocol.js';
import { entryForDaText, ERROR_ENTRIES, explainCode } from '../../src/knowledge/index.js';
import { XML_DA_ERRORS } from '../../src/sim/xml-da-errors.js';

/**
 * The command and status tables the engine and the simulated phone share are facts: each value is checked against
 * the reference's tables (read as text), and each status either side can produce is one `romctl explain` knows.
 */
const referencePath = fileURLToPath(new URL('../../../shared/reference/mtk-reference.md', import.meta.url));

/** `| `0xFD` | GET_HW_CODE |` and `| `0x010001` | DOWNLOAD |` cells: name → value */
function referenceCodes(text: string): Map<string, number> {
  const codes = new Map<string, number>();
  for (const m of text.matchAll(/(?<!…)`(0x[0-9A-Fa-f]+)`\s*\|\s*([A-Z][A-Z0-9_]+)/g))
    if (!codes.has(m[2] as string)) codes.set(m[2] as string, Number(m[1]));
  return codes;
}

const haveReference = existsSync(referencePath);

describe.skipIf(!haveReference)(
  'protocol tables against the reference (skipped without ../shared/reference)',
  () => {
    // vitest runs a skipped suite's body to list its tests: nothing is read without the reference
    const text = haveReference ? readFileSync(referencePath, 'utf8') : '';
    /** the text between `### 2.3` and the next `### ` heading */
    const section = (number: string) => text.split(`### ${number} `)[1]?.split('\n### ')[0] ?? '';
    const compare = (table: Record<string, number>, codes: Map<string, number>) => {
      const named = Object.entries(table).filter(([name]) => codes.has(name));
      for (const [name, value] of named) expect([name, value]).toEqual([name, codes.get(name)]);
      return named.length;
    };

    it('BROM command bytes (§2.3)', () => {
      expect(compare(BromCommand, referenceCodes(section('2.3')))).toBe(Object.keys(BromCommand).length);
    });

    it('XFlash commands and DEVICE_CTRL codes (§4.4)', () => {
      const codes = referenceCodes(section('4.4'));
      expect(compare(Cmd, codes)).toBe(Object.keys(Cmd).length);
      // the table gives GET_EMMC/NAND/NOR/UFS_INFO as one range 0x040001…0x040004, and lacks GET_EXPIRE_DATE
      // (0x040011, from mtkclient's xflash_param.py)
      expect(compare(Ctrl, codes)).toBe(Object.keys(Ctrl).length - 5);
      const hex6 = (v: number) => `0x${v.toString(16).toUpperCase().padStart(6, '0')}`;
      expect(section('4.4')).toContain(
        `\`${hex6(Ctrl.GET_EMMC_INFO)}\`…\`${hex6(Ctrl.GET_UFS_INFO)}\` | GET_EMMC_INFO / GET_NAND_INFO / GET_NOR_INFO / GET_UFS_INFO`,
      );
      expect([Ctrl.GET_NAND_INFO, Ctrl.GET_NOR_INFO]).toEqual([
        Ctrl.GET_EMMC_INFO + 1,
        Ctrl.GET_EMMC_INFO + 2,
      ]);
    });
  },
);

describe('every status the engine and the simulated phone exchange is one explain knows', () => {
  it.each(Object.entries(Status).filter(([name]) => name !== 'OK'))('DA status %s', (_, value) => {
    expect(ERROR_ENTRIES.some((e) => e.numbers.da === value)).toBe(true);
  });
  it.each(Object.values(XML_DA_ERRORS))('XML DA refusal $text: its CMD:END message $status', ({ status }) => {
    expect(entryForDaText(status)?.numbers.da).toBeDefined();
  });
  it.each([Reply.UNSUPPORTED, DA_RESET_RESULT])('XML DA text %s', (text) => {
    expect(explainCode(text).matches.map((m) => m.by)).toEqual(['text']);
  });
  it.each(Object.entries(BromStatus).filter(([name]) => name !== 'OK'))('BROM status %s', (_, value) => {
    expect(ERROR_ENTRIES.some((e) => e.numbers.brom === value)).toBe(true);
  });
});
