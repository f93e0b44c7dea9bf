import { chipHasPlatform } from '../knowledge/chips.js';
import { preloaderPlatform } from '../knowledge/preloader-chip.js';
import { RomctlError } from '../errors.js';
import { matchMemory, parsePreloader, type PreloaderInfo } from '../formats/preloader/index.js';
import { memoryOf, type SimProfile } from './profiles.js';
import type { SimStorage } from './storage.js';

export type BootMode = 'brom' | 'preloader';

export interface BootDecision {
  mode: BootMode;
  /** why, in the words a user would want to read */
  reason: string;
}

/** a preloader is at most 256 KiB plus its boot header; this is plenty */
const BOOT_READ_LIMIT = 1024 * 1024;
/**
 * What a MediaTek phone does at power-on: the boot ROM loads the preloader from boot1; a preloader for another
 * chip crashes, one without an EMI record for the phone's DRAM cannot start it — either way the phone stays in
 * BROM download mode (0e8d:0003), bricked as in the field. A good preloader gives preloader mode (0e8d:2000).
 */
export async function decideBoot(
  profile: SimProfile,
  storage: SimStorage,
  options: { holdDownloadKey?: boolean } = {},
): Promise<BootDecision> {
  if (options.holdDownloadKey) return brom('the download key was held at power-on');
  const bytes = await storage.read('boot1', 0, Math.min(storage.size('boot1'), BOOT_READ_LIMIT));
  if (bytes.every((b) => b === 0) || bytes.every((b) => b === 0xff))
    return brom('boot1 is empty: no preloader');
  let info: PreloaderInfo;
  try {
    info = parsePreloader(bytes, { fileName: 'boot1' });
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    return brom(`boot1 holds no preloader (${error.message})`);
  }
  if (!info.gfh) return brom('boot1 has no GFH header, so the boot ROM finds nothing to load');
  if (info.gfh.fileInfo.fileTypeName !== 'ARM_BL') {
    return brom(`boot1 holds a ${info.gfh.fileInfo.fileTypeName} image, not a preloader`);
  }
  const identifier = info.bootHeader?.identifier ?? '';
  if (/^UFS/.test(identifier) !== (profile.storage.kind === 'ufs') && /^(UFS|EMMC)/.test(identifier)) {
    return brom(
      `boot1 holds a ${identifier} image, but this phone boots from ${profile.storage.kind.toUpperCase()}`,
    );
  }
  const platform = preloaderPlatform(info, profile.chip.names[0] ?? null);
  if (platform !== null && !chipHasPlatform(profile.chip, platform)) {
    return brom(
      `the preloader is built for ${platform}, this phone is an ${profile.chip.names[0]}: it crashes at once`,
    );
  }
  const match = matchMemory(info.bloader, memoryOf(profile));
  if (match.verdict !== 'match') {
    return brom(`the preloader cannot start this phone's DRAM (DRAM init fails): ${match.reason}`);
  }
  return {
    mode: 'preloader',
    reason: `preloader ${info.bloader?.fileName ?? ''} booted; ${match.reason}`.trim(),
  };
}

function brom(reason: string): BootDecision {
  return { mode: 'brom', reason };
}
