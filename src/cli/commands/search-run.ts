import { withVendor } from '../../registry/device-facts.js';
import { openRegistry, type Registry } from '../../registry/registry.js';
import { searchDevices, type SearchHit } from '../../registry/search.js';
import type { Output } from '../output.js';
import { registryReadOptions, type RegistryReadOptions } from '../registry-options.js';

interface Difference {
  a: string;
  b: string;
  differs: string;
}

/** Look-alikes among the best hits ("redmi note 4" → nikel and mido): how each pair differs. */
async function differencesAmong(registry: Registry, hits: SearchHit[]): Promise<Difference[]> {
  const top = hits.filter((hit) => hit.score >= (hits[0]?.score ?? 0) - 20).slice(0, 6);
  const codenames = new Set(top.map((hit) => hit.device.codename));
  const differences: Difference[] = [];
  for (const hit of top) {
    // the slim index says which devices have look-alikes: only their profiles are read
    if (!hit.device.lookAlikes?.some((codename) => codenames.has(codename))) continue;
    const profile = await registry.device(hit.device);
    for (const alike of profile.lookAlikes ?? []) {
      const seen = differences.some((d) => d.a === alike.codename && d.b === profile.codename);
      if (codenames.has(alike.codename) && !seen) {
        differences.push({ a: profile.codename, b: alike.codename, differs: alike.differs });
      }
    }
  }
  return differences;
}

export async function runSearch(
  output: Output,
  query: string,
  options: RegistryReadOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const registry = await openRegistry({ ...registryReadOptions(output, options, env), env });
  const hits = searchDevices(registry.devices(), query).slice(0, 25);
  const differences = await differencesAmong(registry, hits);
  if (output.json) {
    output.printJson({
      query,
      results: hits.map(({ device, score, matched }) => ({
        codename: device.codename,
        names: device.names,
        vendor: device.vendor,
        platform: device.platform,
        chip: device.chip,
        hwCode: device.hwCode,
        matched,
        score,
      })),
      differences,
    });
    return 0;
  }
  if (hits.length === 0) {
    output.line(`no device matches '${query}'`);
    output.note('search by codename, alias, marketing name, chip (MT6797) or hw code (0x279)');
    return 0;
  }
  const width = Math.max(...hits.map((hit) => hit.device.codename.length));
  for (const { device, matched } of hits) {
    const name = device.names[0] ? withVendor(device.vendor, device.names[0]) : (device.vendor ?? '');
    const chip = device.chip
      ? `${device.platform === 'mtk' ? 'MTK ' : `${device.platform} `}${device.chip}`
      : device.platform;
    output.line(
      `${output.style.bold(device.codename.padEnd(width))}  ${[name, chip].filter(Boolean).join(' · ')}  ${output.style.dim(`(${matched})`)}`,
    );
  }
  for (const { a, b, differs } of differences) {
    output.line();
    output.line(`${output.style.yellow('!')} ${a} vs ${b}: ${differs}`);
  }
  return 0;
}
