import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { formatHwCode, hwCodeOfChip, parseHwCode } from './chips.js';
import { buildIndex, indexFiles, INDEX_FILE, listYaml } from './index-file.js';
import type { Bundle, DeviceProfile } from './model.js';
import { schemaCheck } from './validate.js';

export interface LintProblem {
  /** path relative to the registry folder */
  file: string;
  message: string;
}

function readDoc(root: string, file: string, problems: LintProblem[]): unknown {
  try {
    return parse(readFileSync(join(root, file), 'utf8'));
  } catch (error) {
    problems.push({ file, message: `not YAML: ${(error as Error).message.split('\n')[0]}` });
    return undefined;
  }
}

function lintDevice(file: string, profile: DeviceProfile, problems: LintProblem[]): void {
  const report = (message: string) => problems.push({ file, message });
  if (`${profile.codename}.yaml` !== file.replace(/^devices\//, '')) {
    report(`codename ${profile.codename} does not match the file name`);
  }
  if (profile.chip && profile.hwCode) {
    const expected = hwCodeOfChip(profile.chip);
    if (expected !== undefined && expected !== parseHwCode(profile.hwCode)) {
      report(`hwCode ${profile.hwCode} does not agree with chip ${profile.chip} (the chip table says ${formatHwCode(expected)})`);
    }
  }
  if (profile.platform !== 'mtk' && profile.hwCode) report(`hwCode given for a ${profile.platform} device`);
  const ids = new Set<string>();
  for (const variant of profile.variants ?? []) {
    if (ids.has(variant.id)) report(`variant id ${variant.id} is used twice`);
    ids.add(variant.id);
    if (variant.storageId && (!variant.package || variant.package === 'discrete')) {
      report(`variant ${variant.id} has a storageId but package ${variant.package ?? '(none)'}: ids belong to MCP/UFS records`);
    }
    if (variant.package && variant.package !== 'discrete' && !variant.storageId) {
      report(`variant ${variant.id} is ${variant.package} but has no storageId to match`);
    }
    if (variant.rankSizes?.some((size) => BigInt(size) === 0n)) report(`variant ${variant.id} has a zero rank size`);
  }
  const layoutIds = new Set<string>();
  for (const layout of profile.layouts ?? []) {
    if (layoutIds.has(layout.id)) report(`layout id ${layout.id} is used twice`);
    layoutIds.add(layout.id);
  }
}

function lintBundles(root: string, codenames: Set<string>, problems: LintProblem[]): void {
  const dir = join(root, 'bundles');
  if (!existsSync(dir)) return;
  for (const codename of readdirSync(dir).sort()) {
    if (!statSync(join(dir, codename)).isDirectory()) continue;
    if (!codenames.has(codename)) {
      problems.push({ file: `bundles/${codename}`, message: `no device ${codename} for these bundles (devices/${codename}.yaml)` });
    }
    for (const name of listYaml(join(dir, codename))) {
      const file = `bundles/${codename}/${name}`;
      const bundle = readDoc(root, file, problems);
      if (bundle === undefined) continue;
      const schema = schemaCheck('bundle', bundle);
      for (const message of schema) problems.push({ file, message: `schema: ${message}` });
      if (schema.length > 0) continue;
      const { id, codename: owner, files } = bundle as Bundle;
      if (owner !== codename) problems.push({ file, message: `codename ${owner} but the bundle is filed under ${codename}` });
      if (`${id}.yaml` !== name) problems.push({ file, message: `id ${id} does not match the file name` });
      files.forEach((entry, i) => {
        if (entry.urls.length === 0) problems.push({ file, message: `files[${i}] ${entry.name} has no url` });
        if (!entry.sha256 && !entry.md5 && !entry.md5Prefix) {
          problems.push({ file, message: `files[${i}] ${entry.name} has no hash (sha256, md5 or md5Prefix)` });
        }
      });
    }
  }
}

/**
 * Everything wrong with a registry folder, one problem per line: schema errors, codename and alias clashes,
 * hw code vs chip, malformed variants, dangling look-alikes and bundle folders, a stale index.json.
 */
export function lintRegistry(root: string): LintProblem[] {
  const problems: LintProblem[] = [];
  const profiles: [string, DeviceProfile][] = [];
  const deviceFiles = listYaml(join(root, 'devices'));
  if (deviceFiles.length === 0) problems.push({ file: 'devices', message: 'no device documents (devices/*.yaml)' });
  for (const name of deviceFiles) {
    const file = `devices/${name}`;
    const doc = readDoc(root, file, problems);
    if (doc === undefined) continue;
    const schema = schemaCheck('device', doc);
    for (const message of schema) problems.push({ file, message: `schema: ${message}` });
    if (schema.length === 0) profiles.push([file, doc as DeviceProfile]);
  }
  const owners = new Map<string, string>();
  for (const [file, profile] of profiles) {
    lintDevice(file, profile, problems);
    for (const name of [profile.codename, ...(profile.aliases ?? [])]) {
      const key = name.toLowerCase();
      const owner = owners.get(key);
      if (owner !== undefined) problems.push({ file, message: `codename or alias ${name} is already used by ${owner}` });
      else owners.set(key, file);
    }
  }
  const codenames = new Set(profiles.map(([, profile]) => profile.codename));
  for (const [file, profile] of profiles) {
    for (const { codename } of profile.lookAlikes ?? []) {
      if (!codenames.has(codename)) problems.push({ file, message: `look-alike ${codename} is not in the registry` });
    }
  }
  lintBundles(root, codenames, problems);
  if (existsSync(join(root, INDEX_FILE)) && problems.length === 0) {
    const stale = [...indexFiles(buildIndex(root))].find(
      ([file, text]) => !existsSync(join(root, file)) || readFileSync(join(root, file), 'utf8') !== text,
    );
    if (stale) problems.push({ file: stale[0], message: 'out of date with the YAML documents: run romctl registry index' });
  }
  return problems;
}
