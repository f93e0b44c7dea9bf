import type { Rule } from '../rule.js';
import { deviceChipRule } from './device-chip.js';
import { deviceKnownGoodRule } from './device-known-good.js';
import { deviceIdentityRule } from './device-identity.js';
import { deviceLayoutRule } from './device-layout.js';
import { deviceMemoryRule } from './device-memory.js';
import { devicePlatformRule } from './device-platform.js';
import { devicePreloaderProjectRule } from './device-preloader-project.js';
import { deviceStorageRule } from './device-storage.js';

/** Rules that judge the package against a named device (`romctl check --device`); they run after PACKAGE_RULES. */
export const DEVICE_RULES: readonly Rule[] = [
  devicePlatformRule,
  deviceIdentityRule,
  deviceChipRule,
  deviceStorageRule,
  deviceLayoutRule,
  devicePreloaderProjectRule,
  deviceMemoryRule,
  deviceKnownGoodRule,
];
