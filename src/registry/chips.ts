/**
 * hw code ↔ chip names for the registry, over the one chip table (src/knowledge/chips.ts, reference §3). A hw code
 * is what BROM answers to GET_HW_CODE; several marketing names share one (MT6589 and MT6589T both report 0x6583).
 */
import { CHIPS, chipForHwCode } from '../knowledge/chips.js';

export function normaliseChip(chip: string): string {
  return chip.trim().toUpperCase();
}

/** The hw code BROM reports for a chip name, or undefined when the chip table does not list that exact name. */
export function hwCodeOfChip(chip: string): number | undefined {
  const name = normaliseChip(chip);
  return CHIPS.find((entry) => entry.names.includes(name))?.hwCode;
}

/** Every chip name that reports this hw code. */
export function chipsOfHwCode(hwCode: number): readonly string[] {
  return chipForHwCode(hwCode)?.names ?? [];
}

export function formatHwCode(hwCode: number): string {
  return `0x${hwCode.toString(16)}`;
}

/** `0x279`, `0x0279`, `279` → 0x279; undefined when it is not hex. */
export function parseHwCode(text: string): number | undefined {
  const clean = text.trim().replace(/^0x/i, '');
  return /^[0-9a-f]{1,4}$/i.test(clean) ? parseInt(clean, 16) : undefined;
}
