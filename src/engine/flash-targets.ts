/** Where a scatter partition lives on the phone: the DA section and byte offset (reference §4.6 step 6). */
import { ExitCode, RomctlError } from '../errors.js';
import type { Partition } from '../formats/scatter/model.js';
import type { Section } from './da/xflash-info.js';

export interface FlashTarget {
  section: Section;
  address: bigint;
}

/**
 * eMMC `EMMC_USER` / UFS `UFS_LU2` → the user area at the linear start; `EMMC_BOOT1*` / `UFS_LU0*` → boot1 at 0;
 * `EMMC_BOOT2` / `UFS_LU1` → boot2 at 0. Legacy scatters name no region: the preloader goes to boot1, the rest to
 * the user area.
 */
export function flashTargetOf(partition: Partition): FlashTarget {
  const region = (partition.region ?? '').toUpperCase();
  if (/^(EMMC_BOOT_?1|UFS_LU_?0)/.test(region)) return { section: 'boot1', address: 0n };
  if (/^(EMMC_BOOT_?2|UFS_LU_?1)/.test(region)) return { section: 'boot2', address: 0n };
  if (region === '' && isPreloaderPartition(partition)) return { section: 'boot1', address: 0n };
  if (region === '' || /^(EMMC_USER|UFS_LU_?2)$/.test(region))
    return { section: 'user', address: partition.linearStart };
  throw new RomctlError(
    `partition ${partition.name} is in region ${partition.region}, which romctl cannot write`,
    {
      exitCode: ExitCode.refused,
      where: `scatter line ${partition.line}`,
      hint: 'only eMMC user/boot and UFS LU0–LU2 regions are supported; leave this partition out',
    },
  );
}

/** The scatter's own word decides (SV5_BL_BIN); legacy scatters without types go by the name. */
export function isPreloaderPartition(partition: Partition): boolean {
  if (partition.type !== null) return partition.type.toUpperCase() === 'SV5_BL_BIN';
  return /^preloader$/i.test(partition.name);
}
