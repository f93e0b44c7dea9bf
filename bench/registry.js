// Registry scale: `search` and `info` on a generated 10,000-device registry against the embedded one
// (budget: search at most 1.3× the CPU of the embedded registry, peak RSS at most 100 MiB).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIndex, embeddedRegistryDir, writeIndexFiles } from '../dist/registry/index.js';
import { searchTerms } from '../dist/registry/search.js';
import { timedRomctl } from './measure.js';
import { report } from './verdict.js';

const DEVICES = 10_000;
const RUNS = 7;

/**
 * The embedded devices, then copies of them under new codenames up to DEVICES, each with its template's
 * profile and release list, written as `romctl registry index` writes them.
 */
function generateRegistry(dir) {
  const templates = buildIndex(embeddedRegistryDir()).devices;
  const devices = [];
  for (let i = 0; i < DEVICES; i++) {
    const template = templates[i % templates.length];
    if (i < templates.length) {
      devices.push(template);
      continue;
    }
    const codename = `${template.codename}-g${i}`;
    const aliases = template.aliases.map((alias) => `${alias}-g${i}`);
    // look-alikes name embedded codenames; a copy has none of its own
    const profile = { ...template.profile };
    delete profile.lookAlikes;
    const entry = { ...template, codename, aliases, file: `devices/${codename}.yaml` };
    devices.push({
      ...entry,
      terms: searchTerms(entry),
      profile: { ...profile, codename, ...(aliases.length > 0 ? { aliases } : {}) },
      bundles: template.bundles.map((bundle) => ({
        ...bundle,
        file: `bundles/${codename}/${bundle.id}.yaml`,
      })),
    });
  }
  writeIndexFiles(dir, { devices });
}

async function median(args) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timedRomctl(args, { discardOutput: true }));
  const middle = (key) => runs.map((run) => run[key]).sort((a, b) => a - b)[RUNS >> 1];
  return { cpuMs: middle('cpuMs'), peakMiB: Math.max(...runs.map((run) => run.peakMiB)) };
}

export async function benchRegistry() {
  const dir = await mkdtemp(join(tmpdir(), 'romctl-bench-registry-'));
  try {
    generateRegistry(dir);
    const cases = [
      ['search "redmi note 4"', ['search', 'redmi', 'note', '4']],
      ['search MT6797', ['search', 'MT6797']],
      ['info nikel', ['info', 'nikel']],
    ];
    let peak = 0;
    for (const [label, args] of cases) {
      const embedded = await median(args);
      const large = await median([...args, '--registry', dir]);
      peak = Math.max(peak, large.peakMiB);
      report({
        name: `registry: \`${label}\` on ${DEVICES.toLocaleString('en')} devices, CPU`,
        peer: 'the embedded registry',
        ratio: large.cpuMs / embedded.cpuMs,
        limit: 1.3,
        sense: 'at-most',
        measured: `median CPU of ${RUNS}: ${large.cpuMs.toFixed(0)} ms vs ${embedded.cpuMs.toFixed(0)} ms`,
      });
    }
    report({
      name: `registry: peak RSS on ${DEVICES.toLocaleString('en')} devices`,
      peer: '100 MiB',
      ratio: peak / 100,
      limit: 1,
      sense: 'at-most',
      measured: `peak RSS ${peak.toFixed(0)} MiB over ${cases.map(([label]) => `\`${label}\``).join(', ')}`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
