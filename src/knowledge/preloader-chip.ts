import type { PreloaderInfo } from '../formats/preloader/index.js';
import { chipForPlatform, platformBase } from './chips.js';

/** Many real preloaders carry this AND_ROMINFO platform id whatever their chip (measured on the corpus). */
const PLACEHOLDER_PLATFORM = 'MT6752';

/**
 * The chip a preloader was built for: its AND_ROMINFO platform id, unless that is the MT6752 placeholder where
 * an MT6752 is not expected; else a chip number in the embedded file name (`preloader_lcsh6797_…`); null when
 * neither says.
 */
export function preloaderPlatform(info: PreloaderInfo, expected: string | null): string | null {
  const romPlatform = info.romInfo?.platformId ?? '';
  const placeholder =
    romPlatform === PLACEHOLDER_PLATFORM &&
    (expected === null || platformBase(expected) !== PLACEHOLDER_PLATFORM);
  if (!placeholder && chipForPlatform(romPlatform)) return platformBase(romPlatform);
  for (const m of (info.bloader?.fileName ?? '').matchAll(/([68]\d{3})/g)) {
    const name = `MT${m[1]}`;
    if (chipForPlatform(name)) return name;
  }
  return null;
}

/** Same chip family: both names map to one BROM hw code (MT6589 and MT6589T do; MT6765 and MT6797 do not). */
export function samePlatformFamily(a: string, b: string): boolean {
  const chipA = chipForPlatform(a);
  const chipB = chipForPlatform(b);
  return chipA !== null && chipB !== null && chipA.hwCode === chipB.hwCode;
}
