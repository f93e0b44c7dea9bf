/**
 * Runs a flash plan on a phone: connect and check (nothing written), then each step in order, recording each
 * finished step in the journal with the hash it was verified by. With `resume`, finished steps are verified
 * again by read-back hash and skipped when they still hold; the backup is never taken again after a format.
 */
import { randomBytes } from 'node:crypto';
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../check/index.js';
import { ExitCode, RomctlError } from '../errors.js';
import { wrapInBootArea } from '../formats/preloader/index.js';
import {
  backupPartitions,
  loadVerifiedBackup,
  restorePartition,
  type BackupManifest,
  type BackupRange,
} from './backup.js';
import { buildGpt } from './da/gpt-build.js';
import type { GptTable } from './da/gpt.js';
import { emiBlockFromPreloader } from './da/emi-block.js';
import type { DaClient } from './da/client.js';
import { ConnectTimeMemoryCheck } from './memory-check.js';
import type { StorageInfo, StorageKind } from './da/xflash-info.js';
import {
  bootAreaBlank,
  chooseVerify,
  readBackHash,
  writeAndVerify,
  writePreloader,
  type ByteSource,
  type VerifyChoice,
  type VerifyMode,
  type WrittenImage,
} from './flash-image.js';
import {
  openFlashSession,
  type Credentials,
  type FlashSession,
  type SessionExpectations,
} from './flash-session.js';
import { formatBromStatus } from './brom.js';
import { FlashJournal, type JournalStep } from './journal.js';
import { checkAlignment, placeProtected, type LayoutChange } from './phone-layout.js';
import { choosePlan, describeStep, type FlashPlan, type FlashStep, type PlannedRange } from './plan.js';
import type { Transport } from './transport/types.js';
import { inStep } from './step.js';

export type FlashEvent =
  | { type: 'connected'; chip: string; mode: 'brom' | 'preloader'; storage: string; storageId: string }
  | {
      type: 'step';
      index: number;
      total: number;
      id: string;
      text: string;
      state: 'start' | 'done' | 'skipped';
      detail?: string;
    }
  | { type: 'progress'; label: string; done: bigint; total: bigint }
  | { type: 'layout-changed'; change: LayoutChange }
  | { type: 'note'; text: string };

export interface ExecuteOptions {
  /** one plan, or one per storage the package lays out: the phone's storage picks it */
  plan: FlashPlan | readonly FlashPlan[];
  transport: Transport;
  daFile: Uint8Array;
  daFileName?: string;
  device: SessionExpectations;
  /** reads an image of the package (the engine streams it; it does not parse the package) */
  openImage: (path: string) => Promise<AsyncIterable<Uint8Array>>;
  /** the folder for the backup and the journal, or how to name it once the phone is identified */
  backupDir: string | ((session: FlashSession) => string);
  resume?: boolean;
  onEvent?: (event: FlashEvent) => void;
  timeoutMs?: number;
  longTimeoutMs?: number;
  /** a secure-boot phone's way in: the DAA auth file and the SLA key */
  credentials?: Credentials;
  /** the port is a preloader port: the handshake starts with a lone 0xA0 */
  preloaderPort?: boolean;
  /** opens the DA's own port when the phone re-enumerates after JUMP_DA */
  reconnect?: () => Promise<Transport>;
  /** 'da' (default): the DA checks each packet on the phone where it can; 'full': every byte is read back */
  verify?: VerifyMode;
}

export interface StepResult {
  id: string;
  text: string;
  state: 'done' | 'skipped';
  detail?: string;
}

/** What the executor believes the phone does at its next power-on, and what the user should do about it. */
export interface PhoneState {
  boots: boolean;
  /** the state in words: "BROM mode (…)" or "boots its preloader (…)" */
  text: string;
  /** what to do when it does not boot */
  todo?: string;
}

export interface FlashResult {
  backupDir: string;
  journal: string;
  steps: StepResult[];
  accepted: string[];
  phone: PhoneState;
  /** the phone's table differed from the package's (both tables), null when they agreed or it had none */
  layoutChange: LayoutChange | null;
  /** how the written images were verified */
  verify: VerifyChoice;
}

const BACKUP = 'backup';

export async function executePlan(options: ExecuteOptions): Promise<FlashResult> {
  const plans: readonly FlashPlan[] = isPlanList(options.plan) ? options.plan : [options.plan];
  const where = options.transport.description;
  const emit = options.onEvent ?? (() => {});
  // the phone's storage picks the plan (a multi-storage scatter has one per storage) before DRAM is set up
  let chosen: { plan: FlashPlan; memory: ConnectTimeMemoryCheck } | null = null;
  const choose = (kind: StorageKind) => {
    if (chosen?.plan.storage === kind) return chosen;
    const plan = choosePlan(plans, kind, where);
    chosen = {
      plan,
      memory: new ConnectTimeMemoryCheck(plan.preloader?.facts ?? null, plan.acceptRisk, where),
    };
    return chosen;
  };
  const emiSource = preloaderForDram(plans, options.device.storage, where);
  const session = await openFlashSession({
    transport: options.transport,
    daFile: options.daFile,
    daFileName: options.daFileName,
    emiBlock: emiSource ? () => emiBlockFromPreloader(emiSource.bytes, emiSource.facts.path).block : null,
    expect: options.device,
    ...options.credentials,
    ...(options.preloaderPort === undefined ? {} : { preloaderPort: options.preloaderPort }),
    ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.longTimeoutMs === undefined ? {} : { longTimeoutMs: options.longTimeoutMs }),
    checkMemory: (info) => choose(info.kind).memory.check(info),
  });
  const checkedBefore = chosen !== null;
  const { plan, memory } = choose(session.storage.kind);
  // a DA that reported no memory id before DRAM setup: the id check runs on the storage info instead
  if (!checkedBefore) memory.check(session.storage);
  checkAlignment(plan, session.storage.blockSize, where);
  const { client, storage } = session;
  emit({
    type: 'connected',
    chip: session.identity.chip?.names[0] ?? '?',
    mode: session.identity.mode,
    storage: storage.kind,
    storageId: storage.id,
  });
  const refusal = session.identity.watchdogRefusal;
  if (refusal !== null) {
    emit({
      type: 'note',
      text: `the boot ROM refused the watchdog write (status ${formatBromStatus(refusal)}): going on, as SP Flash Tool does`,
    });
  }
  const found = memory.finding;
  const memoryProven = memory.verdict(session.dramCheckedWithPackage ? 'trained' : 'not-run') === 'match';
  // the phone's own table first: where its IMEI partitions are now decides the backup, and may refuse the plan
  let table: GptTable | null | Error;
  try {
    table = await client.partitionTable();
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    table = error;
  }
  if (table instanceof Error)
    emit({ type: 'note', text: `the phone's partition table could not be read (${table.message})` });
  const placement = options.resume ? null : placeProtected(plan, table, options.transport.description);
  if (placement?.change) emit({ type: 'layout-changed', change: placement.change });
  const dir = typeof options.backupDir === 'string' ? options.backupDir : options.backupDir(session);
  if (!options.resume) await setAsidePreviousBackup(dir);
  const journal = await FlashJournal.start(
    dir,
    {
      fingerprint: plan.fingerprint,
      package: plan.package,
      mode: plan.mode,
      device: options.device.device,
      storageId: storage.id,
      acceptedRisks: [
        ...plan.accepted.map((f) => f.code),
        ...(found?.severity === 'error' ? [found.code] : []),
      ],
    },
    options.resume === true,
  );
  const layout =
    placement ??
    (journal.step('backup')?.state === 'done'
      ? null
      : placeProtected(plan, table, options.transport.description));
  if (layout?.change) await journal.note(`device.layout-changed: ${layout.change.differences.join('; ')}`);
  const verify = await chooseVerify(client, options.verify ?? 'da');
  if (verify.mode !== (options.verify ?? 'da'))
    emit({ type: 'note', text: `this DA cannot check writes on the phone: ${verify.text}` });
  await journal.note(`verify (${verify.mode}): ${verify.text}`);
  const run = new StepRunner(
    client,
    storage,
    plan,
    options,
    journal,
    join(dir, BACKUP),
    emit,
    layout?.sources ?? [],
    verify.mode,
  );
  const bromMode = session.identity.mode === 'brom';
  await run.decidePreloader(memoryProven, found, bromMode && session.dramCheckedWithPackage);
  const results: StepResult[] = [];
  for (const [index, step] of plan.steps.entries()) {
    const text = describeStep(step);
    emit({ type: 'step', index, total: plan.steps.length, id: step.id, text, state: 'start' });
    try {
      const outcome = await inStep(`step ${index + 1}/${plan.steps.length} (${text})`, () => run.step(step));
      results.push({ id: step.id, text, ...outcome });
      emit({ type: 'step', index, total: plan.steps.length, id: step.id, text, ...outcome });
    } catch (error) {
      await journal.note(`${step.id} failed: ${(error as Error).message}`).catch(() => {});
      throw error;
    }
  }
  const phone = phoneStateAfter(plan, results, bromMode);
  if (!phone.boots) await journal.note(`phone state: ${phone.text}`);
  await journal.finish();
  return {
    backupDir: dir,
    journal: journal.path,
    steps: results,
    accepted: journal.data.acceptedRisks,
    phone,
    layoutChange: layout?.change ?? null,
    verify,
  };
}

function isPlanList(plan: FlashPlan | readonly FlashPlan[]): plan is readonly FlashPlan[] {
  return Array.isArray(plan);
}

/**
 * The preloader whose EMI block goes to the DA before it sets up DRAM, chosen before the phone says its storage:
 * one the plans share, or the one of the only storage the device has. Plans with different preloaders for a
 * device that may have either storage cannot be flashed from the boot ROM safely: refused before connecting.
 */
function preloaderForDram(
  plans: readonly FlashPlan[],
  expected: readonly string[] | undefined,
  where: string,
): FlashPlan['preloader'] {
  const known = (expected ?? []).map((s) => s.toLowerCase());
  const candidates = plans.filter((p) => known.length === 0 || known.includes(p.storage));
  const preloaders = (candidates.length > 0 ? candidates : plans).map((p) => p.preloader);
  const first = preloaders[0] ?? null;
  const same = preloaders.every((p) => p?.facts.path === first?.facts.path);
  if (same) return first;
  throw new RomctlError(
    `the package's ${plans.map((p) => p.storage.toUpperCase()).join(' and ')} layouts name different preloaders, ` +
      'and which storage the phone has is not known before its DRAM is set up',
    {
      exitCode: ExitCode.refused,
      where,
      hint: 'name the device variant (its storage) with --device, or flash the package made for one storage; nothing was written',
    },
  );
}

/**
 * A phone that came up in BROM mode has a preloader that does not start (or none): unless this run wrote a
 * verified preloader, it will come up in BROM mode again. A phone that started its own preloader keeps booting it.
 */
export function phoneStateAfter(plan: FlashPlan, results: StepResult[], bromMode: boolean): PhoneState {
  const preloader = results.find((r) => r.id === 'preloader');
  const written = preloader?.state === 'done' || preloader?.detail?.startsWith('written earlier') === true;
  if (written) return { boots: true, text: 'boots the preloader written and verified in boot2 and boot1' };
  if (!bromMode) return { boots: true, text: 'boots its own preloader (it started before the flash)' };
  const why = !plan.preloader
    ? 'the package has no preloader to write'
    : plan.accepted.some((f) => f.code.startsWith('preloader.'))
      ? 'the package preloader carries an accepted risk, so it was not written unasked'
      : 'the preloader was not written';
  return {
    boots: false,
    text:
      `BROM mode: the phone connected in BROM mode, so its own preloader does not start (or a key was held), ` +
      `and ${why}; it will come up in BROM mode again (0e8d:0003, a black screen)`,
    todo: !plan.preloader
      ? 'flash a package for this phone that contains its preloader; everything else written stays verified'
      : 'run again with --with-preloader if this preloader is the one for this phone (the DA tested its DRAM ' +
        'settings), or use the package made for this exact variant',
  };
}

async function setAsidePreviousBackup(dir: string): Promise<void> {
  const folder = join(dir, BACKUP);
  const exists = await stat(folder).then(
    () => true,
    () => false,
  );
  if (exists)
    await rename(
      folder,
      `${folder}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`,
    );
}

type Outcome = { state: 'done' | 'skipped'; detail?: string };

class StepRunner {
  private writePreloaderNow = false;
  private preloaderReason = '';
  private manifest: BackupManifest | null = null;

  constructor(
    private readonly client: DaClient,
    private readonly storage: StorageInfo,
    private readonly plan: FlashPlan,
    private readonly options: ExecuteOptions,
    private readonly journal: FlashJournal,
    private readonly backupDir: string,
    private readonly emit: (event: FlashEvent) => void,
    /** where each protected partition is read from: the phone's own addresses */
    private readonly sources: BackupRange[],
    private readonly verifyMode: VerifyMode,
  ) {}

  /**
   * Whether the preloader step writes: asked, boot1 is blank, or the phone is being repaired (it connected in
   * BROM mode and the DA started its DRAM with this preloader's EMI settings); refused now (nothing written) if
   * the preloader's fit is unproven.
   */
  async decidePreloader(memoryProven: boolean, found: Finding | null, repair: boolean): Promise<void> {
    const step = this.plan.steps.find((s) => s.kind === 'preloader');
    if (!step) return;
    const overridden = this.plan.accepted.some((f) => f.code.startsWith('preloader.'));
    this.writePreloaderNow =
      step.when === 'asked' || (repair && !overridden) || (await bootAreaBlank(this.client));
    if (!this.writePreloaderNow) return;
    if (repair && step.when !== 'asked')
      this.preloaderReason = 'the phone is in BROM mode: repairing its preloader';
    const accepted = (code: string) => this.plan.acceptRisk.includes(code);
    if (!memoryProven && !accepted('preloader.emi-undecided')) {
      throw new RomctlError(
        `preloader.emi-undecided: the phone's memory cannot be matched to the preloader's EMI records by its id ` +
          `(${found?.message ?? 'discrete DRAM'}), and the phone was not in BROM mode, so the DA did not test them`,
        {
          exitCode: ExitCode.refused,
          where: this.options.transport.description,
          hint:
            'connect the phone in BROM mode (hold volume up/down while plugging in) so the DA tests the EMI settings ' +
            'before anything is written, or accept with --accept-risk preloader.emi-undecided; nothing was written',
        },
      );
    }
    if (overridden && step.when === 'if-needed') {
      throw new RomctlError(
        'boot1 is blank and the package preloader has an accepted risk: it is not written unasked',
        {
          exitCode: ExitCode.refused,
          where: this.options.transport.description,
          hint: 'pass --with-preloader to write it knowingly, or use a package whose preloader passes the check',
        },
      );
    }
  }

  async step(step: FlashStep): Promise<Outcome> {
    switch (step.kind) {
      case 'backup':
        return this.backup(step.id);
      case 'format':
        return this.format(step.id, step.range);
      case 'partition-table':
        return this.partitionTable(step.id, step.partitions);
      case 'write':
        return this.verified(step.id, step.image, () => this.options.openImage(step.image.path));
      case 'restore':
        return this.restore(step.id, step.ranges);
      case 'preloader':
        return this.preloader(step.id, step.image.partition);
      case 'reboot':
        await this.client.shutdown('normal');
        await this.journal.record(step.id, { state: 'done' });
        return { state: 'done' };
    }
  }

  private progress(label: string) {
    return (p: { done: bigint; total: bigint }) => this.emit({ type: 'progress', label, ...p });
  }

  private async backup(id: string): Promise<Outcome> {
    if (this.journal.step(id)?.state === 'done') {
      this.manifest = await loadVerifiedBackup(this.backupDir);
      return { state: 'skipped', detail: `verified copy in ${this.backupDir}` };
    }
    this.manifest = await backupPartitions(
      this.client,
      this.sources,
      this.backupDir,
      { device: this.options.device.device, storageId: this.storage.id },
      (label, done, total) => this.emit({ type: 'progress', label, done, total }),
    );
    await this.journal.record(id, { state: 'done', detail: `${this.manifest.partitions.length} partitions` });
    return { state: 'done', detail: `${this.manifest.partitions.length} partitions → ${this.backupDir}` };
  }

  private async format(id: string, range: PlannedRange): Promise<Outcome> {
    if (this.journal.step(id)?.state === 'done') return { state: 'skipped', detail: 'formatted earlier' };
    if (!this.manifest) throw internal('format before a verified backup');
    const end = sectionSize(this.storage, range.section);
    const size = range.size ?? end - range.address;
    await this.client.format(range.section, range.address, size, this.progress(`format ${range.partition}`));
    await this.journal.record(id, { state: 'done' });
    return { state: 'done' };
  }

  private async partitionTable(id: string, partitions: PlannedRange[]): Promise<Outcome> {
    const block = BigInt(this.storage.blockSize);
    // protective MBR, header, 128 × 128-byte entries: 34 blocks of 512 bytes, 6 of 4096 (UFS)
    const firstUsable = (2n + (128n * 128n) / block) * block;
    // the backup table at the end: the entries and a header
    const tableEnd = this.storage.userSize - (firstUsable - block);
    const listed = partitions.flatMap((p) =>
      p.size !== null && p.address >= firstUsable && p.address + p.size <= tableEnd
        ? [{ name: p.partition, start: p.address, size: p.size }]
        : [],
    );
    const bytes = buildGpt({
      blockSize: this.storage.blockSize,
      diskSize: this.storage.userSize,
      partitions: listed,
    });
    const target = {
      partition: 'partition table',
      section: 'user' as const,
      address: 0n,
      partitionSize: BigInt(bytes.length),
      fileSize: BigInt(bytes.length),
      writtenSize: BigInt(bytes.length),
      sparse: false,
    };
    return this.verified(id, target, async () => oneChunk(bytes));
  }

  /** write + read-back verify, or on resume a fresh read-back of what the journal says was written */
  private async verified(
    id: string,
    target: Parameters<typeof writeAndVerify>[1] & { partition: string },
    source: ByteSource,
  ): Promise<Outcome> {
    const earlier = this.journal.step(id);
    if (earlier?.state === 'done' && earlier.sha256 && earlier.runs) {
      const runs = earlier.runs.map(([offset, length]): [bigint, number] => [BigInt(offset), length]);
      const back = await readBackHash(this.client, target, runs, this.progress(`verify ${target.partition}`));
      if (back === earlier.sha256) return { state: 'skipped', detail: 'written earlier, verified again' };
      await this.journal.note(`${id}: changed since it was written; writing it again`);
    }
    const written: WrittenImage = await writeAndVerify(
      this.client,
      target,
      source,
      (phase, p) => this.emit({ type: 'progress', label: `${phase} ${target.partition}`, ...p }),
      this.verifyMode,
    );
    const entry: Omit<JournalStep, 'at'> = {
      state: 'done',
      sha256: written.sha256,
      runs: written.runs.map(([offset, length]) => [`0x${offset.toString(16)}`, length]),
    };
    await this.journal.record(id, entry);
    const sha256 = `${written.sha256.slice(0, 16)}…`;
    const detail =
      this.verifyMode === 'da'
        ? `sha256 ${sha256} written, every packet checked by the DA on the phone`
        : `verified sha256 ${sha256} (read back)`;
    return { state: 'done', detail };
  }

  private async restore(id: string, ranges: PlannedRange[]): Promise<Outcome> {
    const manifest = this.manifest ?? (await loadVerifiedBackup(this.backupDir));
    let restored = 0;
    for (const entry of manifest.partitions) {
      const target = ranges.find((r) => r.name === entry.name);
      if (!target) continue;
      const holds = (await this.client.sha256(target.section, target.address, entry.size)) === entry.sha256;
      if (holds && this.journal.step(id)?.state === 'done') continue;
      const size = target.size ?? entry.size;
      await restorePartition(
        this.client,
        this.backupDir,
        entry,
        { ...target, size },
        this.progress(`restore ${entry.partition}`),
      );
      restored += 1;
    }
    const detail = `${manifest.partitions.length} partitions byte-identical to the backup`;
    if (restored === 0) return { state: 'skipped', detail: `restored earlier; ${detail}` };
    await this.journal.record(id, { state: 'done' });
    return { state: 'done', detail };
  }

  private async preloader(id: string, partition: string): Promise<Outcome> {
    const preloader = this.plan.preloader;
    if (!preloader) throw internal(`no bytes for ${partition}`);
    // a package preloader is a bare GFH image; the boot area must start with the boot header the BROM reads
    const bytes =
      preloader.facts.info?.kind === 'boot-area'
        ? preloader.bytes
        : wrapInBootArea(preloader.bytes, this.storage.kind === 'ufs' ? 'ufs' : 'emmc');
    const earlier = this.journal.step(id);
    if (earlier?.state === 'done' && earlier.sha256 !== undefined) {
      const back = await this.client.sha256('boot1', 0n, BigInt(bytes.length));
      if (back === earlier.sha256) return { state: 'skipped', detail: 'written earlier, verified again' };
    }
    if (!this.writePreloaderNow) {
      await this.journal.record(id, { state: 'skipped', detail: 'boot1 holds a preloader' });
      return { state: 'skipped', detail: 'boot1 holds a preloader (--with-preloader writes it anyway)' };
    }
    const sha256 = await writePreloader(this.client, bytes, (phase, p) =>
      this.emit({ type: 'progress', label: phase, ...p }),
    );
    await this.journal.record(id, { state: 'done', sha256 });
    const why = this.preloaderReason ? ` (${this.preloaderReason})` : '';
    return { state: 'done', detail: `boot2 then boot1, both verified${why}` };
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

function sectionSize(storage: StorageInfo, section: 'user' | 'boot1' | 'boot2'): bigint {
  return section === 'user' ? storage.userSize : section === 'boot1' ? storage.boot1Size : storage.boot2Size;
}

function internal(message: string): RomctlError {
  return new RomctlError(message, { exitCode: ExitCode.internal });
}
