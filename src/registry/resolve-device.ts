import { ExitCode, RomctlError } from '../errors.js';
import type { DeviceFacts } from '../check/facts.js';
import { toDeviceFacts } from './device-facts.js';
import type { DeviceProfile, SearchEntry } from './model.js';
import type { Registry } from './registry.js';
import { suggestCodenames } from './search.js';

/** The index entry for a codename or alias; an unknown one is bad input with the nearest codenames as hint. */
export function requireDevice(registry: Registry, codename: string): SearchEntry {
  const entry = registry.find(codename);
  if (entry) return entry;
  const near = suggestCodenames(registry.devices(), codename);
  throw new RomctlError(`unknown device '${codename}'`, {
    exitCode: ExitCode.badInput,
    hint: near.length > 0 ? `did you mean ${near.join(', ')}? (romctl search <text> finds devices)` : 'romctl search <text> finds devices',
  });
}

const PLATFORM_NAMES: Record<string, string> = {
  qualcomm: 'Qualcomm',
  spreadtrum: 'Spreadtrum (Unisoc)',
  exynos: 'Samsung Exynos',
  other: 'non-MediaTek',
};

/** As requireDevice, and a phone of another platform is bad input that says so (and names an MTK look-alike). */
export function requireMtkDevice(registry: Registry, codename: string): SearchEntry {
  const entry = requireDevice(registry, codename);
  if (entry.platform === 'mtk') return entry;
  const name = [entry.vendor, entry.names[0]].filter(Boolean).join(' ');
  const mtkAlikes = (entry.lookAlikes ?? []).filter((alike) => registry.find(alike)?.platform === 'mtk');
  throw new RomctlError(
    `${entry.codename}${name ? ` (${name}${entry.chip ? `, ${entry.chip}` : ''})` : ''} is a ` +
      `${PLATFORM_NAMES[entry.platform] ?? entry.platform} phone, not MediaTek: romctl's firmware, checks and flashing do not apply`,
    {
      exitCode: ExitCode.badInput,
      hint:
        mtkAlikes.length > 0
          ? `if your phone is the MediaTek model, it is ${mtkAlikes.join(' or ')} (romctl info ${mtkAlikes[0]} tells them apart)`
          : 'use the vendor’s own tools for this phone',
    },
  );
}

/**
 * `CODENAME[@variant]` → the facts the device rules judge against, with the hashes of every bundle that lists
 * content. An unknown variant is bad input naming the known ones. A phone of another platform is refused (the
 * commands' rule) unless `platforms` is 'any' (the check library judging another phone's package against it).
 */
export async function deviceFactsFor(
  registry: Registry,
  spec: string,
  platforms: 'mtk' | 'any' = 'mtk',
): Promise<{ profile: DeviceProfile; facts: DeviceFacts }> {
  const at = spec.indexOf('@');
  const codename = at < 0 ? spec : spec.slice(0, at);
  const variant = at < 0 ? undefined : spec.slice(at + 1);
  const find = platforms === 'mtk' ? requireMtkDevice : requireDevice;
  const entry = await registry.entry(find(registry, codename));
  const { profile } = entry;
  if (variant !== undefined && !(profile.variants ?? []).some((known) => known.id === variant)) {
    const ids = (profile.variants ?? []).map((known) => known.id);
    throw new RomctlError(`${profile.codename} has no memory variant '${variant}'`, {
      exitCode: ExitCode.badInput,
      hint: ids.length > 0 ? `known variants: ${ids.join(', ')}` : `the registry knows no variants of ${profile.codename}: leave out @${variant}`,
    });
  }
  const bundles = await Promise.all(
    entry.bundles.filter((bundle) => bundle.content).map((bundle) => registry.bundle(entry, bundle.id)),
  );
  return { profile, facts: toDeviceFacts(profile, bundles, variant) };
}
