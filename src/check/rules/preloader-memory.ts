import {
  describeMemory,
  describeRecord,
  matchMemory,
  type BloaderInfo,
  type EmiRecord,
} from '../../formats/preloader/index.js';
import type { MemoryTarget, PackageFacts, PreloaderFacts } from '../facts.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** What a phone suffers when its preloader has no EMI record for its memory (reference §5.6). */
export const BRICK_SYMPTOMS = [
  'S_FT_ENABLE_DRAM_FAIL (4032)',
  'S_DA_DRAM_NOT_SUPPORT (3008; 3004 in old numbering)',
  'dead phone: BROM only, "MTK USB Port" 0e8d:0003',
];

function listRecords(bloader: BloaderInfo): string {
  const records = bloader.records.filter((record) => record.type !== 0);
  const shown = records.slice(0, 8).map((record) => `#${record.index} ${describeRecord(record)}`);
  return `${shown.join('; ')}${records.length > 8 ? `; … ${records.length - 8} more` : ''}`;
}

/** One memory against one preloader, by MediaTek's own selection rule: a finding unless it clearly matches. */
export function coverageFinding(preloader: PreloaderFacts, target: MemoryTarget): Finding | null {
  const subject = { file: preloader.path, partition: 'preloader' };
  const bloader = preloader.info?.bloader ?? null;
  const match = matchMemory(bloader, target.spec);
  if (match.verdict === 'match') return null;
  const memory = `${target.label} (${describeMemory(target.spec)})`;
  const consequence = target.consequence ?? 'a phone with this memory would not boot';
  if (match.verdict === 'no-match' && bloader) {
    return finding(
      'preloader.emi-no-match',
      'error',
      `the preloader has no EMI record for ${memory}: ${consequence}. It can boot: ${listRecords(bloader)}`,
      subject,
      'do not flash this preloader (leave it out of the download), or use the package made for this memory',
      BRICK_SYMPTOMS,
    );
  }
  return finding(
    'preloader.emi-undecided',
    'warning',
    `cannot tell whether the preloader boots ${memory}: ${match.reason}`,
    subject,
    'leave the preloader out of the download unless the phone needs it; compare with romctl preloader',
    BRICK_SYMPTOMS,
  );
}

const recordKey = (record: EmiRecord) =>
  [record.package, record.dram, record.id, record.rankSizes?.join('/'), record.dramVendorId].join('|');

/** Memories the reference preloader boots that this one does not (the forum's "same package" advice). */
function comparison(facts: PackageFacts, preloader: PreloaderFacts, reference: PreloaderFacts): Finding[] {
  const ours = preloader.info?.bloader;
  const theirs = reference.info?.bloader;
  if (!ours || !theirs) return [];
  const have = new Set(ours.records.map(recordKey));
  const lost = theirs.records.filter((record) => record.type !== 0 && !have.has(recordKey(record)));
  const subject = { file: preloader.path, partition: 'preloader' };
  if (lost.length === 0) {
    return [
      finding(
        'preloader.coverage-compared',
        'info',
        `the preloader boots every memory ${reference.path} boots (${theirs.records.length} records)`,
        subject,
        'nothing to do',
      ),
    ];
  }
  return [
    finding(
      'preloader.coverage-lost',
      'warning',
      `${lost.length} memor${lost.length === 1 ? 'y' : 'ies'} that ${reference.path} boots are missing here: ` +
        `${lost.map(describeRecord).join('; ')} — a phone with one of them would not boot this package`,
      subject,
      'take the preloader (and the DA) from the package made for the phone, not from another one',
      facts.memories.length === 0 ? BRICK_SYMPTOMS : [],
    ),
  ];
}

/** The preloader can boot the phone's memory: the given memories, and the coverage of a reference preloader. */
export const preloaderMemoryRule: Rule = {
  name: 'preloader memory (EMI)',
  codes: [
    'preloader.emi-no-match',
    'preloader.emi-undecided',
    'preloader.coverage-lost',
    'preloader.coverage-compared',
  ],
  check(facts) {
    return [...facts.preloaders.values()].flatMap((preloader) => [
      ...facts.memories.flatMap((target) => coverageFinding(preloader, target) ?? []),
      ...(facts.referencePreloader ? comparison(facts, preloader, facts.referencePreloader) : []),
    ]);
  },
};
