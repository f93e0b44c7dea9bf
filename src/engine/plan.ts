/**
 * The flash plan (DESIGN §7): a checked package and a download mode become an ordered list of steps. The plan
 * is built from the facts `romctl check` gathered and judged; the engine never parses a ROM itself.
 *
 * Order: connect (identify, chip and memory checks, nothing written) → back up protected partitions → format
 * (per mode) → partition table (after a format) → write each image and verify it by read-back hash → restore
 * the protected partitions (after a format) → preloader (last; only if asked, boot1 is blank, or the phone came
 * up in BROM mode and the DA proved the preloader's DRAM settings: a repair) → reboot.
 */
import { createHash } from 'node:crypto';
import type { Finding, PackageFacts, PlanMode, Report } from '../check/index.js';
import type { PreloaderFacts } from '../check/facts.js';
import { PROTECTED_PARTITIONS } from '../check/rules/data-safety.js';
import { ExitCode, RomctlError } from '../errors.js';
import { canonicalPartitionName, type Layout, type Partition } from '../formats/scatter/model.js';
import type { Section, StorageKind } from './da/xflash-info.js';
import { flashTargetOf, isPreloaderPartition } from './flash-targets.js';

/** A byte range of one partition on the phone. */
export interface PlannedRange {
  partition: string;
  /** canonical name (`PRO_INFO` → `proinfo`) */
  name: string;
  section: Section;
  address: bigint;
  /** null: to the end of the section (Format All) */
  size: bigint | null;
}

/** One image of the package and where it goes. */
export interface PlannedImage {
  partition: string;
  name: string;
  /** path inside the package */
  path: string;
  section: Section;
  address: bigint;
  partitionSize: bigint;
  fileSize: bigint;
  /** bytes on the phone: the expanded size for a sparse image */
  writtenSize: bigint;
  /** bytes sent to the phone: only the data blocks of a sparse image */
  sentSize: bigint;
  sparse: boolean;
  /** sha256 of the file, as the check read it */
  sha256: string;
}

export type FlashStep =
  | { id: 'backup'; kind: 'backup'; ranges: PlannedRange[] }
  | { id: string; kind: 'format'; range: PlannedRange }
  | { id: 'partition-table'; kind: 'partition-table'; partitions: PlannedRange[] }
  | { id: string; kind: 'write'; image: PlannedImage }
  | { id: 'restore'; kind: 'restore'; ranges: PlannedRange[] }
  | { id: 'preloader'; kind: 'preloader'; image: PlannedImage; when: 'asked' | 'if-needed' }
  | { id: 'reboot'; kind: 'reboot' };

export interface FlashPlan {
  mode: PlanMode;
  package: string;
  platform: string | null;
  storage: StorageKind;
  /** the package preloader as the check read it: its EMI block goes to INIT_EXT_RAM, its bytes to boot1 */
  preloader: { facts: PreloaderFacts; bytes: Uint8Array } | null;
  /** every `--accept-risk` code: findings made on the phone (the connected memory) are judged by them too */
  acceptRisk: string[];
  steps: FlashStep[];
  /** the package's user-area table: what the phone's own table is compared with before anything is written */
  table: PlannedRange[];
  /** findings that would refuse the package and were accepted one by one (`--accept-risk CODE`) */
  accepted: Finding[];
  /** the check's warnings, shown before flashing */
  warnings: Finding[];
  /** identifies package + mode + layout: a journal from another plan is not resumed */
  fingerprint: string;
}

export interface PlanOptions {
  mode: PlanMode;
  /** write the preloader even when boot1 holds one (`--with-preloader`) */
  withPreloader?: boolean;
  /** finding codes the user accepts (`--accept-risk`) */
  acceptRisk?: readonly string[];
}

/**
 * Findings `--accept-risk` cannot override: the package is for another chip or storage, a file is missing,
 * unreadable or does not fit, the layout overlaps itself, or the preloader cannot boot any phone. Flashing past
 * them is not a risk but a certain failure or brick.
 */
export const HARD_STOPS: ReadonlySet<string> = new Set([
  'package.not-mtk',
  'package.other-device',
  'package.unsafe',
  'package.platform-mismatch',
  'device.chip-mismatch',
  'device.storage-mismatch',
  'preloader.chip-mismatch',
  'preloader.invalid-gfh',
  'preloader.no-bloader-info',
  'file.missing',
  'image.unreadable',
  'image.too-large',
  'image.sparse-invalid',
  'scatter.overlap',
  'scatter.duplicate-name',
]);

/** What a refusal tells the user about overriding it: which codes `--accept-risk` takes, which are hard stops. */
export function overrideAdvice(codes: readonly string[]): string {
  const hard = codes.filter((code) => HARD_STOPS.has(code));
  const soft = codes.filter((code) => !HARD_STOPS.has(code));
  const parts: string[] = [];
  if (hard.length > 0)
    parts.push(
      `${hard.join(', ')} ${hard.length === 1 ? 'is a hard stop' : 'are hard stops'}: no flag overrides ${hard.length === 1 ? 'it' : 'them'}`,
    );
  if (soft.length > 0 && hard.length === 0)
    parts.push(
      `to flash anyway accept each risk by name: ${soft.map((code) => `--accept-risk ${code}`).join(' ')}`,
    );
  return parts.join('; ');
}

/** A package the check refused: exit 1, with the findings that decided it. */
export class PlanRefusedError extends RomctlError {
  constructor(readonly findings: Finding[]) {
    const codes = [...new Set(findings.map((f) => f.code))];
    super(`refused by the check: ${codes.join(', ')} — ${findings[0]?.message ?? ''}`, {
      exitCode: ExitCode.refused,
      where: findings[0]?.subject.file,
      hint: `${findings[0]?.remedy ?? ''}; ${overrideAdvice(codes)}`,
    });
    this.name = 'PlanRefusedError';
  }
}

/**
 * Error findings refuse the plan unless each one's code is accepted (hard stops never are); accepted ones are
 * kept for the log. Throws PlanRefusedError when anything is left.
 */
export function gateFindings(report: Report, acceptRisk: readonly string[] = []): Finding[] {
  const errors = report.findings.filter((f) => f.severity === 'error');
  const blocking = errors.filter((f) => HARD_STOPS.has(f.code) || !acceptRisk.includes(f.code));
  if (blocking.length > 0) throw new PlanRefusedError(blocking);
  return errors;
}

/**
 * Builds the plan for one storage of a checked package: `options.storage` picks the scatter's layout for it (a
 * V2.x multi-storage scatter lays out eMMC and UFS), else the first layout. Throws PlanRefusedError when the
 * check's verdict stands, and `package.no-layout-for-storage` when the scatter has no layout for that storage.
 */
export function buildFlashPlan(
  facts: PackageFacts,
  report: Report,
  options: PlanOptions & { storage?: StorageKind },
): FlashPlan {
  const accepted = gateFindings(report, options.acceptRisk);
  const layouts = scatterLayouts(facts);
  const layout =
    options.storage === undefined ? layouts[0] : layouts.find((l) => storageOf(l) === options.storage);
  if (!layout) throw noLayoutFor(options.storage as StorageKind, layouts, facts.path);
  return planForLayout(facts, report, options, accepted, layout);
}

/**
 * One plan per storage the scatter lays out (one for a V1 scatter, eMMC and UFS for a V2.x multi-storage one);
 * the storage the phone reports after connecting picks which runs (`choosePlan`).
 */
export function buildFlashPlans(facts: PackageFacts, report: Report, options: PlanOptions): FlashPlan[] {
  const accepted = gateFindings(report, options.acceptRisk);
  return scatterLayouts(facts).map((layout) => planForLayout(facts, report, options, accepted, layout));
}

/**
 * The plan for the storage the connected phone reports; a package with no layout for it is refused before
 * anything is written (`package.no-layout-for-storage`).
 */
export function choosePlan(plans: readonly FlashPlan[], storage: StorageKind, where: string): FlashPlan {
  const plan = plans.find((p) => p.storage === storage);
  if (plan) return plan;
  throw noLayoutFor(
    storage,
    plans.map((p) => p.storage),
    plans[0]?.package ?? where,
    where,
  );
}

/** the storage a scatter layout is for: UFS by its storage name or its regions, else eMMC */
export function storageOf(layout: Layout): StorageKind {
  if (layout.storage !== null) return /UFS/i.test(layout.storage) ? 'ufs' : 'emmc';
  return layout.partitions.some((p) => /^UFS_/i.test(p.region ?? '')) ? 'ufs' : 'emmc';
}

function scatterLayouts(facts: PackageFacts): Layout[] {
  const layouts = facts.scatter?.model.layouts ?? [];
  if (layouts.length === 0) {
    throw new RomctlError(`${facts.path} is not an MTK scatter package (${facts.kind})`, {
      exitCode: ExitCode.badInput,
      hint: 'romctl check names what it is',
    });
  }
  return layouts;
}

function noLayoutFor(
  storage: StorageKind,
  has: ReadonlyArray<Layout | StorageKind>,
  file: string,
  where: string = file,
): RomctlError {
  const kinds = has.map((l) => (typeof l === 'string' ? l : storageOf(l)).toUpperCase());
  return new RomctlError(
    `package.no-layout-for-storage: the phone has ${storage.toUpperCase()} storage and the package's scatter ` +
      `lays out only ${[...new Set(kinds)].join('+')}`,
    {
      exitCode: ExitCode.refused,
      where,
      hint: `use the package built for ${storage.toUpperCase()} phones of this model; nothing was written`,
    },
  );
}

function planForLayout(
  facts: PackageFacts,
  report: Report,
  options: PlanOptions,
  accepted: Finding[],
  layout: Layout,
): FlashPlan {
  const images = facts.files.flatMap((file): PlannedImage[] => {
    const image = file.path === undefined ? undefined : facts.images.get(file.path);
    if (!image || file.path === undefined || file.layout !== layout) return [];
    return [plannedImage(file.partition, file.path, image)];
  });
  const preloader = images.find((image) => isPreloader(facts, image)) ?? null;
  const protectedRanges = layout.partitions.filter(isProtected).map(rangeOf);
  // a package's own nvram/proinfo would replace this phone's IMEI: written only when that risk is accepted
  const overwriteProtected = accepted.some((f) => f.code === 'data.overwrites-protected');
  const writes = images.filter(
    (image) =>
      image !== preloader &&
      !isPreloaderCopy(image, preloader) &&
      (overwriteProtected || !PROTECTED_PARTITIONS.has(image.name)),
  );
  const formats = formatRanges(options.mode, layout);
  const steps: FlashStep[] = [{ id: 'backup', kind: 'backup', ranges: protectedRanges }];
  for (const range of formats) steps.push({ id: `format:${range.partition}`, kind: 'format', range });
  if (formats.length > 0)
    steps.push({ id: 'partition-table', kind: 'partition-table', partitions: tableOf(layout) });
  for (const image of writes) steps.push({ id: `write:${image.partition}`, kind: 'write', image });
  if (formats.length > 0 && protectedRanges.length > 0)
    steps.push({ id: 'restore', kind: 'restore', ranges: protectedRanges });
  if (preloader) {
    steps.push({
      id: 'preloader',
      kind: 'preloader',
      image: preloader,
      when: options.withPreloader ? 'asked' : 'if-needed',
    });
  }
  steps.push({ id: 'reboot', kind: 'reboot' });
  const preloaderFacts = preloader ? facts.preloaders.get(preloader.path) : undefined;
  const preloaderBytes = preloader ? facts.images.get(preloader.path)?.preloaderBytes : undefined;
  return {
    mode: options.mode,
    package: facts.path,
    platform: facts.scatter?.model.platform ?? null,
    storage: storageOf(layout),
    preloader: preloaderFacts && preloaderBytes ? { facts: preloaderFacts, bytes: preloaderBytes } : null,
    acceptRisk: [...(options.acceptRisk ?? [])],
    steps,
    table: tableOf(layout),
    accepted,
    warnings: report.findings.filter((f) => f.severity === 'warning'),
    fingerprint: fingerprintOf(options.mode, storageOf(layout), steps),
  };
}

function isPreloader(facts: PackageFacts, image: PlannedImage): boolean {
  return facts.preloaders.has(image.path) && image.section === 'boot1';
}

/**
 * V2.2.0 scatters list the preloader twice: `preloader` in EMMC_BOOT1 / UFS_LU0 and `preloader_backup` (same file)
 * in EMMC_BOOT2 / UFS_LU1. The preloader step writes both boot areas, last and with the boot header, so the copy
 * is not written on its own before everything else is verified.
 */
function isPreloaderCopy(image: PlannedImage, preloader: PlannedImage | null): boolean {
  return preloader !== null && image.path === preloader.path && image.section !== 'user';
}

function isProtected(partition: Partition): boolean {
  return (
    !partition.isReserved &&
    PROTECTED_PARTITIONS.has(canonicalPartitionName(partition.name)) &&
    flashTargetOf(partition).section === 'user'
  );
}

function rangeOf(partition: Partition): PlannedRange {
  const target = flashTargetOf(partition);
  return {
    partition: partition.name,
    name: canonicalPartitionName(partition.name),
    section: target.section,
    address: target.address,
    size: partition.size,
  };
}

function plannedImage(
  partition: Partition,
  path: string,
  image: { size: bigint; writtenSize: bigint; sentSize?: bigint; kind: string; sha256: string },
): PlannedImage {
  const target = flashTargetOf(partition);
  return {
    partition: partition.name,
    name: canonicalPartitionName(partition.name),
    path,
    section: isPreloaderPartition(partition) ? 'boot1' : target.section,
    address: target.address,
    partitionSize: partition.size ?? image.writtenSize,
    fileSize: image.size,
    writtenSize: image.writtenSize,
    sentSize: image.sentSize ?? image.writtenSize,
    sparse: image.kind === 'sparse',
    sha256: image.sha256,
  };
}

/** the user-area partitions of the scatter (reserved end-relative ones and the boot area left out) */
function userPartitions(layout: Layout): Partition[] {
  return layout.partitions.filter((p) => !p.isReserved && flashTargetOf(p).section === 'user');
}

/**
 * Download Only formats nothing; Firmware Upgrade formats the scatter's partitions (adjacent ones merged);
 * Format All the whole user area. Neither touches boot1/boot2: the preloader is only ever replaced whole.
 */
function formatRanges(mode: PlanMode, layout: Layout): PlannedRange[] {
  if (mode === 'download') return [];
  if (mode === 'format-all')
    return [{ partition: 'user', name: 'user', section: 'user', address: 0n, size: null }];
  const merged: PlannedRange[] = [];
  const sorted = [...userPartitions(layout)].sort((a, b) => (a.linearStart < b.linearStart ? -1 : 1));
  for (const partition of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.size !== null && last.address + last.size === partition.linearStart) {
      last.size = partition.size === null ? null : last.size + partition.size;
      continue;
    }
    merged.push(rangeOf(partition));
  }
  return merged.map((range, i) => ({ ...range, partition: merged.length === 1 ? 'user' : `user-${i + 1}` }));
}

/** the partitions the GPT written after a format lists: the scatter's user partitions except the tables */
export function tableOf(layout: Layout): PlannedRange[] {
  return userPartitions(layout)
    .filter((p) => !/^(pgpt|sgpt)$/.test(canonicalPartitionName(p.name)))
    .map(rangeOf);
}

function fingerprintOf(mode: PlanMode, storage: StorageKind, steps: FlashStep[]): string {
  const text = JSON.stringify({ mode, storage, steps }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString(16) : value,
  );
  return createHash('sha256').update(text).digest('hex');
}

/** One line per step, for the plan listing and the journal. */
export function describeStep(step: FlashStep): string {
  const hex = (v: bigint) => `0x${v.toString(16)}`;
  const range = (r: PlannedRange) =>
    `${r.section} ${hex(r.address)}+${r.size === null ? 'end' : hex(r.size)}`;
  switch (step.kind) {
    case 'backup':
      return `back up ${step.ranges.map((r) => r.partition).join(', ') || 'nothing (no protected partitions)'}`;
    case 'format':
      return `format ${range(step.range)}`;
    case 'partition-table':
      return `write the partition table (${step.partitions.length} partitions)`;
    case 'write':
      return `write ${step.image.partition} ← ${step.image.path}${step.image.sparse ? ' (sparse)' : ''}, verify`;
    case 'restore':
      return `restore ${step.ranges.map((r) => r.partition).join(', ')} from the backup, verify`;
    case 'preloader':
      return `preloader ← ${step.image.path} ${step.when === 'asked' ? '(asked)' : '(only if boot1 is blank or the phone is in BROM mode)'}: boot2, then boot1`;
    case 'reboot':
      return 'reboot';
  }
}
