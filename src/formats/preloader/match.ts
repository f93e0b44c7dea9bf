import { fixedIdLength } from './emi-layouts.js';
import { describeRecord } from './memory.js';
import type { BloaderInfo, EmiRecord, MemoryMatch, MemorySpec } from './types.js';

type Outcome = { result: 'yes' | 'no' | 'unknown'; why: string };

const storageForPackage = { 'emmc-mcp': 'emmc', ufs: 'ufs', 'nand-mcp': 'nand' } as const;

/**
 * MediaTek's record choice (`mt_get_mdl_number`, reference §5.5): one discrete record and no MCP record → it is
 * used; else the first MCP record whose first id_length id bytes (and rank sizes) equal the device's; else a
 * discrete record whose DRAM type, MR5 vendor id and rank sizes equal the device's. Versions without id_length
 * (v08, MT6575/77) compare a fixed 9 eMMC / 5 NAND id bytes; records whose rank sizes are all zero come from
 * preloaders that do not compare sizes (one that did could boot nothing with them). A criterion that cannot be
 * evaluated (unknown layout, value not given) makes the answer 'cannot-decide' unless another record matches.
 */
export function matchMemory(bloader: BloaderInfo | null, memory: MemorySpec): MemoryMatch {
  if (bloader === null) return cannot('the preloader has no MTK_BLOADER_INFO block to match against');
  if (bloader.layout === 'unknown') {
    return cannot(
      `the record layout of v${pad(bloader.version)} is unknown, so its records cannot be compared`,
    );
  }
  const usable = bloader.records.filter((r) => r.type !== 0);
  if (usable.length === 0) return cannot('the EMI table holds no usable records');
  const discrete = usable.filter((r) => r.package === 'discrete');
  const mcp = usable.filter((r) => r.package !== 'discrete' && r.package !== 'unknown');
  const odd = usable.filter((r) => r.package === 'unknown');

  if (discrete.length === 1 && mcp.length === 0 && odd.length === 0) {
    return {
      verdict: 'match',
      matched: discrete,
      reason: `the only record (${describeRecord(discrete[0] as EmiRecord)}) is used without checks`,
    };
  }
  const mcpOutcomes = mcp.map((r) => [r, matchMcp(r, memory, bloader.version)] as const);
  const discreteOutcomes = discrete.map((r) => [r, matchDiscrete(r, memory)] as const);
  for (const outcomes of [mcpOutcomes, discreteOutcomes]) {
    const hits = outcomes.filter(([, o]) => o.result === 'yes');
    if (hits.length > 0) {
      const first = hits[0] as (typeof hits)[number];
      return {
        verdict: 'match',
        matched: hits.map(([r]) => r),
        reason: `record ${first[0].index} (${describeRecord(first[0])}) matches: ${first[1].why}`,
      };
    }
  }
  const open = [...mcpOutcomes, ...discreteOutcomes].filter(([, o]) => o.result === 'unknown');
  if (open.length > 0 || odd.length > 0) {
    const notes = open.slice(0, 3).map(([r, o]) => `record ${r.index}: ${o.why}`);
    if (odd.length > 0) notes.push(`${odd.length} record(s) of unknown package type`);
    return cannot(`no record matches for certain; ${notes.join('; ')}${open.length > 3 ? '; …' : ''}`);
  }
  return {
    verdict: 'no-match',
    matched: [],
    reason: `none of the ${usable.length} EMI records fits this memory (${summarise([...mcpOutcomes, ...discreteOutcomes])})`,
  };
}

function cannot(reason: string): MemoryMatch {
  return { verdict: 'cannot-decide', matched: [], reason };
}

function pad(version: number): string {
  return String(version).padStart(2, '0');
}

function summarise(outcomes: ReadonlyArray<readonly [EmiRecord, Outcome]>): string {
  const reasons = [...new Set(outcomes.map(([, o]) => o.why))];
  return reasons.slice(0, 3).join('; ') + (reasons.length > 3 ? '; …' : '');
}

function matchMcp(record: EmiRecord, memory: MemorySpec, version: number): Outcome {
  const kind = storageForPackage[record.package as keyof typeof storageForPackage];
  if (!memory.storage) return { result: 'unknown', why: `the ${kind} id is not known` };
  if (memory.storage.kind !== kind)
    return { result: 'no', why: `record is for ${kind}, the phone has ${memory.storage.kind}` };
  const idLength = record.idLength ?? fixedIdLength(version, kind);
  if (idLength === null || record.id === null) {
    return { result: 'unknown', why: 'this version has no id length, so the compared id bytes are unknown' };
  }
  if (idLength > 16) return { result: 'unknown', why: `id length ${idLength} is out of range` };
  const recordId = record.id.slice(0, idLength * 2);
  const deviceId = memory.storage.id.slice(0, idLength * 2);
  if (deviceId.length < idLength * 2) {
    return {
      result: 'unknown',
      why: `record compares ${idLength} id bytes, only ${memory.storage.id.length / 2} given`,
    };
  }
  if (deviceId !== recordId)
    return { result: 'no', why: `id ${memory.storage.id} does not start with ${recordId}` };
  const fixed = record.idLength === null ? ` (v${pad(version)} compares a fixed ${idLength})` : '';
  return withRanks(record, memory, `first ${idLength} id bytes equal${fixed}`);
}

function matchDiscrete(record: EmiRecord, memory: MemorySpec): Outcome {
  if (!memory.dram) return { result: 'unknown', why: 'the DRAM type is not known' };
  if (record.dram !== memory.dram)
    return { result: 'no', why: `record is ${record.dram}, the phone has ${memory.dram}` };
  if (memory.dramVendorId === null)
    return { result: 'unknown', why: 'the DRAM vendor id (MR5) is not known' };
  if (record.dramVendorId === null) return { result: 'unknown', why: 'the record carries no DRAM vendor id' };
  if (record.dramVendorId !== memory.dramVendorId) {
    return {
      result: 'no',
      why: `DRAM vendor ${hexByte(record.dramVendorId)} ≠ ${hexByte(memory.dramVendorId)}`,
    };
  }
  return withRanks(record, memory, `${record.dram} with vendor ${hexByte(record.dramVendorId)}`);
}

/** ranks 0 and 1 are what the preloader compares against the sizes it detects */
function withRanks(record: EmiRecord, memory: MemorySpec, matchedSoFar: string): Outcome {
  if (memory.rankSizes === null)
    return { result: 'yes', why: `${matchedSoFar} (rank sizes not given, not compared)` };
  const stored = record.rankSizes;
  // a preloader that compared sizes could boot nothing with these records: it is one that does not compare them
  if (stored === null || stored.every((r) => r === 0n)) {
    return {
      result: 'yes',
      why: `${matchedSoFar} (the record carries no rank sizes; its preloader does not compare them)`,
    };
  }
  const wanted = [0, 1].map((i) => memory.rankSizes?.[i] ?? 0n);
  if (wanted[0] !== stored[0] || wanted[1] !== stored[1]) {
    return { result: 'no', why: `${matchedSoFar} but rank sizes differ` };
  }
  return { result: 'yes', why: `${matchedSoFar}, rank sizes equal` };
}

function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}
