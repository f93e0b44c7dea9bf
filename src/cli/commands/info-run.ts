import { matchingBundles } from '../../registry/bundles.js';
import { withVendor } from '../../registry/device-facts.js';
import type { DeviceProfile, IndexedDevice } from '../../registry/model.js';
import { openRegistry } from '../../registry/registry.js';
import { requireDevice } from '../../registry/resolve-device.js';
import type { Output } from '../output.js';
import { registryReadOptions, type RegistryReadOptions } from '../registry-options.js';

/** `romctl info --json` (schemas/info.schema.json). */
function infoJson(entry: IndexedDevice, profile: DeviceProfile) {
  return {
    codename: profile.codename,
    aliases: profile.aliases ?? [],
    names: profile.names ?? [],
    vendor: profile.vendor ?? null,
    platform: profile.platform,
    chip: profile.chip ?? null,
    hwCode: profile.hwCode ?? null,
    storage: profile.storage ?? [],
    preloaderProjects: profile.preloaderProjects ?? [],
    variants: profile.variants ?? [],
    layouts: (profile.layouts ?? []).map(({ id, storage, source, partitions }) => ({
      id,
      storage,
      partitions: partitions.length,
      source,
    })),
    bundles: matchingBundles(entry).map(({ id, version, kind, region, branch, date, hashes }) => ({
      id,
      version,
      kind,
      region,
      branch,
      date,
      hashes,
    })),
    lookAlikes: profile.lookAlikes ?? [],
    warnings: profile.warnings ?? [],
    sources: profile.sources ?? {},
  };
}

const SHOWN_BUNDLES = 8;

export async function runInfo(
  output: Output,
  codename: string,
  options: RegistryReadOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const registry = await openRegistry({ ...registryReadOptions(output, options, env), env });
  const entry = await registry.entry(requireDevice(registry, codename));
  const info = infoJson(entry, entry.profile);
  if (output.json) {
    output.printJson(info);
    return 0;
  }
  const { style } = output;
  const name = info.names[0] ? withVendor(info.vendor, info.names[0]) : (info.vendor ?? '');
  const aliases = info.aliases.length > 0 ? style.dim(` (also ${info.aliases.join(', ')})`) : '';
  output.line(`${style.bold(info.codename)}${name ? ` — ${name}` : ''}${aliases}`);
  if (info.names.length > 1) output.line(`  names      ${info.names.join(', ')}`);
  const chip = [info.chip, info.hwCode ? `hw code ${info.hwCode}` : null].filter(Boolean).join(', ');
  output.line(
    `  platform   ${info.platform === 'mtk' ? 'MediaTek' : info.platform}${chip ? ` ${chip}` : ''}`,
  );
  if (info.platform !== 'mtk')
    output.line(
      style.yellow(`  ! not an MTK phone: romctl's checks and SP Flash Tool packages do not apply`),
    );
  if (info.storage.length > 0) output.line(`  storage    ${info.storage.join(', ')}`);
  if (info.preloaderProjects.length > 0) output.line(`  preloader  ${info.preloaderProjects.join(', ')}`);
  for (const layout of info.layouts)
    output.line(`  layout     ${layout.id}: ${layout.partitions} partitions`);
  if (info.variants.length > 0) {
    output.line(`  memory variants (${info.variants.length}; check --device ${info.codename}@<id>):`);
    const width = Math.max(...info.variants.map((variant) => variant.id.length));
    for (const variant of info.variants)
      output.line(
        `    ${variant.id.padEnd(width)}  ${variant.label}${variant.period ? `, ${variant.period}` : ''}`,
      );
  }
  if (info.bundles.length > 0) {
    output.line(`  releases (${info.bundles.length}, newest first):`);
    for (const bundle of info.bundles.slice(0, SHOWN_BUNDLES)) {
      const where = [bundle.branch, bundle.region, bundle.date].filter(Boolean).join(', ');
      const weak = bundle.hashes === 'md5-prefix' || bundle.hashes === 'none';
      output.line(
        `    ${bundle.id}  ${style.dim(where)}${weak ? style.yellow(`  (${bundle.hashes === 'none' ? 'no hash' : 'md5 prefix only'}: not fetched by default)`) : ''}`,
      );
    }
    if (info.bundles.length > SHOWN_BUNDLES)
      output.line(style.dim(`    … ${info.bundles.length - SHOWN_BUNDLES} more (--json lists all)`));
  }
  for (const alike of info.lookAlikes)
    output.line(`  ${style.yellow('look-alike')} ${alike.codename}: ${alike.differs}`);
  for (const warning of info.warnings) output.line(`  ${style.yellow('warning')}    ${warning.text}`);
  return 0;
}
