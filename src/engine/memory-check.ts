/**
 * The engine's connect-time memory check (reference §5.5–5.6): the package preloader's EMI records against the
 * storage id the DA reports before DRAM setup, then — when the boot ROM loaded the DA — the DA's own DRAM
 * training with those records. Its answer is the same rule `romctl check` applies and the simulated phone boots
 * by (matchMemory); the agreement test holds the three to it.
 */
import type { PreloaderFacts } from '../check/facts.js';
import type { Finding } from '../check/index.js';
import { coverageFinding } from '../check/rules/preloader-memory.js';
import { ExitCode, RomctlError } from '../errors.js';
import type { MemoryMatch } from '../formats/preloader/index.js';
import { memorySpecOf, type MemoryIdentity } from './da/client.js';

/** what the DA did with the package's EMI block: trained DRAM with it, failed to, or was loaded by a preloader */
export type DramTest = 'trained' | 'failed' | 'not-run';

export class ConnectTimeMemoryCheck {
  /** the id check's finding, once the DA reported the storage id */
  finding: Finding | null = null;

  constructor(
    private readonly preloader: PreloaderFacts | null,
    private readonly acceptRisk: readonly string[],
    private readonly where: string,
  ) {}

  /** runs on the id the DA reports before DRAM setup: a clear no-match stops here, nothing written */
  readonly check = (info: MemoryIdentity): void => {
    if (!this.preloader) return;
    this.finding = coverageFinding(this.preloader, {
      label: 'the connected phone',
      spec: memorySpecOf(info),
      consequence: 'this phone would not boot (bricked: BROM mode only)',
    });
    if (this.finding?.severity === 'error' && !this.acceptRisk.includes(this.finding.code)) {
      throw new RomctlError(`${this.finding.code}: ${this.finding.message}`, {
        exitCode: ExitCode.refused,
        where: this.where,
        hint: `${this.finding.remedy}; nothing was written`,
      });
    }
  };

  /**
   * Whether the package preloader boots this phone: the DA's DRAM training decides when it ran (it used the
   * records themselves); else the id check, which cannot decide discrete DRAM it is not told about.
   */
  verdict(dram: DramTest): MemoryMatch['verdict'] {
    if (dram === 'trained') return 'match';
    if (dram === 'failed' || this.finding?.severity === 'error') return 'no-match';
    return this.finding === null ? 'match' : 'cannot-decide';
  }
}
