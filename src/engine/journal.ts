/**
 * The flash journal, `journal.json` beside the backup: which plan runs on which phone, which steps finished and
 * the read-back hash each one was verified with, and every accepted risk. Rewritten atomically after each step,
 * so a pulled cable leaves it describing exactly what is on the phone. `--resume` continues it; a fresh flash
 * refuses to start over an unfinished one (its backup would otherwise be taken after a format erased the data).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, RomctlError } from '../errors.js';

export interface JournalStep {
  state: 'done' | 'skipped';
  /** sha256 of what was read back from the phone */
  sha256?: string;
  /** sparse images: the [offset, length] runs that hold data, in hex / numbers */
  runs?: Array<[string, number]>;
  detail?: string;
  at: string;
}

export interface JournalData {
  version: 1;
  fingerprint: string;
  package: string;
  mode: string;
  device: string;
  storageId: string;
  acceptedRisks: string[];
  startedAt: string;
  finished: boolean;
  steps: Record<string, JournalStep>;
  /** what happened, one line each (resumes, overrides, failures) */
  log: string[];
}

export const JOURNAL = 'journal.json';

export interface JournalIdentity {
  fingerprint: string;
  package: string;
  mode: string;
  device: string;
  storageId: string;
  acceptedRisks: string[];
}

export class FlashJournal {
  private constructor(
    readonly path: string,
    readonly data: JournalData,
  ) {}

  /** Reads the journal in `dir` if there is one (null otherwise). */
  static async read(dir: string): Promise<JournalData | null> {
    const path = join(dir, JOURNAL);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return null;
    }
    try {
      const data = JSON.parse(text) as JournalData;
      if (data.version !== 1 || typeof data.steps !== 'object' || data.steps === null)
        throw new Error('version');
      return data;
    } catch {
      throw new RomctlError('the flash journal is unreadable', {
        exitCode: ExitCode.badInput,
        where: path,
        hint: 'move it away to start a new flash; the backup beside it stays valid (manifest.json)',
      });
    }
  }

  /**
   * A new journal, or with `resume` the existing one for the same plan and phone. Without `resume`, an
   * unfinished journal is an error.
   */
  static async start(dir: string, identity: JournalIdentity, resume: boolean): Promise<FlashJournal> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, JOURNAL);
    const existing = await FlashJournal.read(dir);
    if (resume) {
      if (!existing || existing.finished) {
        throw new RomctlError('there is no interrupted flash to resume here', {
          exitCode: ExitCode.badInput,
          where: path,
          hint: 'leave out --resume to start a new flash',
        });
      }
      const differs = (['fingerprint', 'storageId', 'device'] as const).find(
        (k) => existing[k] !== identity[k],
      );
      if (differs) {
        throw new RomctlError(
          `the interrupted flash was ${differs === 'storageId' ? 'on another phone' : `of another ${differs === 'device' ? 'device' : 'package, mode or layout'}`}`,
          {
            exitCode: ExitCode.refused,
            where: path,
            hint: `resume with the same package, --mode ${existing.mode} and phone (${existing.package})`,
          },
        );
      }
      const journal = new FlashJournal(path, existing);
      journal.data.acceptedRisks = [...new Set([...existing.acceptedRisks, ...identity.acceptedRisks])];
      await journal.note(`resumed at ${new Date().toISOString()}`);
      return journal;
    }
    if (existing && !existing.finished) {
      throw new RomctlError(
        `an interrupted flash of ${existing.package} (--mode ${existing.mode}) is not finished`,
        {
          exitCode: ExitCode.badInput,
          where: path,
          hint: 'finish it with --resume (same package and mode), or move the folder away to start over',
        },
      );
    }
    const journal = new FlashJournal(path, {
      version: 1,
      ...identity,
      startedAt: new Date().toISOString(),
      finished: false,
      steps: {},
      log: identity.acceptedRisks.map((code) => `accepted risk ${code} (--accept-risk)`),
    });
    await journal.save();
    return journal;
  }

  step(id: string): JournalStep | undefined {
    return this.data.steps[id];
  }

  async record(id: string, step: Omit<JournalStep, 'at'>): Promise<void> {
    this.data.steps[id] = { ...step, at: new Date().toISOString() };
    await this.save();
  }

  async forget(id: string): Promise<void> {
    delete this.data.steps[id];
    await this.save();
  }

  async note(line: string): Promise<void> {
    this.data.log.push(line);
    await this.save();
  }

  async finish(): Promise<void> {
    this.data.finished = true;
    await this.save();
  }

  private async save(): Promise<void> {
    await writeFile(`${this.path}.tmp`, JSON.stringify(this.data, null, 2));
    await rename(`${this.path}.tmp`, this.path);
  }
}
