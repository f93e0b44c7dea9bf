/**
 * Builds device profiles from the real files in the shared corpus (`../shared/corpus`), with romctl's own
 * parsers: chip, storage and layout from download scatters, preloader project and memory variants from
 * preloaders and MTK_BLOADER_INFO blocks. Run by maintainers (scripts/derive-registry.mjs), never at install time;
 * every fact names the corpus file and the repository commit it came from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RomctlError } from '../errors.js';
import { parsePreloader, preloaderProject, type PreloaderInfo } from '../formats/preloader/index.js';
import { parseScatter, type Scatter } from '../formats/scatter/index.js';
import { formatHwCode, hwCodeOfChip } from './chips.js';
import { layoutsFromScatter, uniqueIds, variantsFromBloader } from './file-facts.js';
import type { DeviceProfile, KnownLayout, MemoryVariant } from './model.js';

export interface ManifestRow {
  localFile: string;
  repo: string;
  path: string;
  commit: string;
  format: string;
  platform: string;
  storage: string;
}

export function readManifest(corpusDir: string): ManifestRow[] {
  const lines = readFileSync(join(corpusDir, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [localFile = '', repo = '', path = '', commit = '', format = '', platform = '', storage = ''] =
        line.split('\t');
      return { localFile, repo, path, commit, format, platform, storage };
    });
}

/** `corpus scatter/X.txt (owner/repo:path@abcdef123456)` */
export function citeRow(row: ManifestRow): string {
  return `corpus ${row.localFile} (${row.repo}:${row.path}@${row.commit.slice(0, 12)})`;
}

interface Parsed {
  row: ManifestRow;
  scatter?: Scatter;
  preloader?: PreloaderInfo;
}

interface Group {
  repo: string;
  project: string;
  scatters: Parsed[];
  preloaders: Parsed[];
}

function parseRow(corpusDir: string, row: ManifestRow): Parsed | null {
  const bytes = readFileSync(join(corpusDir, row.localFile));
  try {
    if (row.localFile.startsWith('scatter/')) {
      const scatter = parseScatter(bytes, { fileName: row.localFile });
      return scatter.format === 'ota' ? null : { row, scatter };
    }
    if (row.localFile.startsWith('preloader/')) return { row, preloader: parsePreloader(bytes, { fileName: row.localFile }) };
  } catch (error) {
    if (error instanceof RomctlError) return null;
    throw error;
  }
  return null;
}

function scatterPreloaderProject(scatter: Scatter): string | null {
  for (const layout of scatter.layouts) {
    for (const partition of layout.partitions) {
      const match = /^preloader_(.+)\.bin$/i.exec(partition.fileName ?? '');
      if (match?.[1]) return match[1];
    }
  }
  return null;
}

const token = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '');

/** Build tools write placeholders such as `WwR_CopyFromPMT` or a date where the project belongs. */
function looksLikeProject(name: string): boolean {
  return /^[a-z][a-z0-9_-]*$/i.test(name) && !/copyfrompmt/i.test(name);
}

/** `scatter/MT6577_iq441_3_4_5_bb_2dfb9c7d.txt` → `iq441_3_4_5_bb` (the corpus names files platform_project_hash). */
function fileStem(localFile: string): string {
  const base = localFile.replace(/^.*\//, '').replace(/\.[a-z]+$/i, '');
  return base.replace(/^(MT\d+[A-Z]*|unknown)_/i, '').replace(/^preloader_/i, '').replace(/_[0-9a-f]{8}$/, '');
}

const repoSlug = (repo: string) => token(repo.split('/')[1] ?? repo).slice(0, 32);

/** One group per (repository, project): a dump repository is one device, a collection holds many. */
function groupRows(parsed: Parsed[]): Group[] {
  const groups = new Map<string, Group>();
  const add = (repo: string, project: string) => {
    const key = `${repo}\u0000${project}`;
    let group = groups.get(key);
    if (!group) {
      group = { repo, project, scatters: [], preloaders: [] };
      groups.set(key, group);
    }
    return group;
  };
  for (const item of parsed.filter((p) => p.scatter)) {
    const scatter = item.scatter as Scatter;
    const named = [scatter.project, scatterPreloaderProject(scatter)].find((name) => name && looksLikeProject(name));
    add(item.row.repo, token(named ?? fileStem(item.row.localFile))).scatters.push(item);
  }
  for (const item of parsed.filter((p) => p.preloader)) {
    const project = token(preloaderProject(item.preloader as PreloaderInfo) ?? repoSlug(item.row.repo));
    const sameRepo = [...groups.values()].filter((group) => group.repo === item.row.repo);
    const byProject = sameRepo.find(
      (group) =>
        group.project === project ||
        group.scatters.some((s) => token(scatterPreloaderProject(s.scatter as Scatter) ?? '') === project),
    );
    const target = byProject ?? (sameRepo.length === 1 && sameRepo[0]?.scatters.length ? sameRepo[0] : undefined);
    (target ?? add(item.row.repo, project)).preloaders.push(item);
  }
  return [...groups.values()];
}

function storageOf(group: Group): string[] {
  const kinds = new Set<string>();
  for (const { scatter } of group.scatters) {
    for (const layout of scatter?.layouts ?? []) if (layout.storage) kinds.add(layout.storage.toUpperCase());
  }
  if (kinds.size === 0) {
    for (const { row } of group.preloaders) for (const kind of row.storage.split('+')) if (kind) kinds.add(kind);
  }
  return [...kinds].filter((kind) => ['EMMC', 'UFS', 'NAND', 'NOR'].includes(kind)).sort();
}

function distinctLayouts(group: Group): KnownLayout[] {
  const layouts: KnownLayout[] = [];
  for (const { row, scatter } of group.scatters) {
    for (const layout of layoutsFromScatter(scatter as Scatter, citeRow(row))) {
      const same = layouts.find((known) => JSON.stringify(known.partitions) === JSON.stringify(layout.partitions));
      if (same) same.source = `${same.source}; ${layout.source}`;
      else layouts.push(layout);
    }
  }
  return uniqueIds(layouts);
}

function variantsOf(group: Group): MemoryVariant[] {
  const variants: MemoryVariant[] = [];
  const seen = new Set<string>();
  for (const { row, preloader } of group.preloaders) {
    if (!preloader?.bloader) continue;
    for (const variant of variantsFromBloader(preloader.bloader, citeRow(row))) {
      const key = JSON.stringify([variant.package, variant.storageId, variant.dram, variant.dramVendorId, variant.rankSizes]);
      if (seen.has(key)) continue;
      seen.add(key);
      variants.push(variant);
    }
  }
  return uniqueIds(variants);
}

function profileOf(group: Group, codename: string): DeviceProfile {
  const scatter = group.scatters[0];
  const chip = scatter?.scatter?.platform ?? group.preloaders[0]?.row.platform;
  const chipSource = scatter ? `${citeRow(scatter.row)} platform` : `MANIFEST.tsv platform of ${group.preloaders[0]?.row.localFile}`;
  const hwCode = chip ? hwCodeOfChip(chip) : undefined;
  const projects = new Map<string, string>();
  for (const { scatter: s } of group.scatters) {
    const project = s ? scatterPreloaderProject(s) : null;
    if (project) projects.set(project.toLowerCase(), project);
  }
  for (const { preloader } of group.preloaders) {
    const project = preloader ? preloaderProject(preloader) : null;
    if (project && !projects.has(project.toLowerCase())) projects.set(project.toLowerCase(), project);
  }
  const storage = storageOf(group);
  const layouts = distinctLayouts(group);
  const variants = variantsOf(group);
  const files = [...group.scatters, ...group.preloaders].map(({ row }) => row.localFile).join(', ');
  const sources: Record<string, string> = { platform: `MTK scatter/preloader files: ${files}` };
  if (chip && chip !== 'unknown') sources.chip = chipSource;
  if (hwCode !== undefined) sources.hwCode = 'reference §3 chip table (bkerler/mtkclient brom_config.py)';
  if (storage.length > 0) sources.storage = `storage of ${files}`;
  return {
    codename,
    platform: 'mtk',
    ...(chip && chip !== 'unknown' ? { chip } : {}),
    ...(hwCode === undefined ? {} : { hwCode: formatHwCode(hwCode) }),
    ...(storage.length > 0 ? { storage } : {}),
    ...(projects.size > 0 ? { preloaderProjects: [...projects.values()].sort() } : {}),
    ...(layouts.length > 0 ? { layouts } : {}),
    ...(variants.length > 0 ? { variants } : {}),
    sources,
  };
}

/**
 * Every device the corpus holds a real download scatter or preloader for. The codename is the MTK project
 * name; a project name shared by unrelated devices (reference boards such as k62v1_64_bsp) gets the
 * repository's name appended so each device stays its own profile.
 */
export function deriveDevices(corpusDir: string): DeviceProfile[] {
  const rows = readManifest(corpusDir).filter(
    (row) => row.localFile.startsWith('scatter/') || row.localFile.startsWith('preloader/'),
  );
  const parsed = rows.map((row) => parseRow(corpusDir, row)).filter((item): item is Parsed => item !== null);
  const groups = groupRows(parsed);
  const projectCount = new Map<string, number>();
  for (const group of groups) projectCount.set(group.project, (projectCount.get(group.project) ?? 0) + 1);
  return groups
    .map((group) =>
      profileOf(group, (projectCount.get(group.project) ?? 0) > 1 ? `${group.project}-${repoSlug(group.repo)}` : group.project),
    )
    .sort((a, b) => a.codename.localeCompare(b.codename));
}

/** The variants of a bare MTK_BLOADER_INFO block from the corpus `emi/` folder (mtkclient's extracted tables). */
export function variantsFromEmiBlock(corpusDir: string, file: string, source: string): MemoryVariant[] {
  const info = parsePreloader(readFileSync(join(corpusDir, 'emi', file)), { fileName: file });
  return info.bloader ? variantsFromBloader(info.bloader, source) : [];
}
