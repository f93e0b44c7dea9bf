import { posix } from 'node:path';
import type { PackageEntry, PackageView } from './types.js';

export type PackageKind = 'mtk-scatter' | 'qualcomm' | 'samsung' | 'fastboot' | 'ota' | 'unknown';

export interface PackageClassification {
  kind: PackageKind;
  /** why: the files that decided it, one short sentence each */
  evidence: string[];
  /** the scatter the check should use (MTK packages only) */
  scatterPath?: string;
  /** every file whose name makes it a scatter, best first; the content is checked later */
  scatterCandidates: string[];
  /** the folder (inside the package, '' for the top) the images are expected in */
  imageRoot: string;
}

const scatterName = /scatter.*\.(txt|xml)$/i;
/** OTA updaters carry their own `ota_scatter.txt` / `update_scatter.txt`, which SP Flash Tool cannot use */
const otaScatterName = /^(ota|update)_scatter/i;
const androidScatterName = /_android_scatter/i;
const platformInName = /mt\d{4}/i;

/** Files whose names make them scatter candidates, best first: `*_Android_scatter*`, a platform, a short path. */
export function findScatters(view: PackageView): string[] {
  const candidates = files(view).filter((path) => {
    const name = posix.basename(path);
    return scatterName.test(name) && !otaScatterName.test(name);
  });
  const rank = (path: string): [number, number, number, number] => {
    const name = posix.basename(path);
    return [
      androidScatterName.test(name) ? 0 : 1,
      platformInName.test(name) ? 0 : 1,
      path.length,
      name.toLowerCase().endsWith('.txt') ? 0 : 1,
    ];
  };
  return candidates.sort((a, b) => compareRanks(rank(a), rank(b)) || (a < b ? -1 : a > b ? 1 : 0));
}

/** What kind of package this is, from file names alone (see the reference, §8.3, for the order). */
export function classifyPackage(view: PackageView): PackageClassification {
  const paths = files(view);
  const named = (pattern: RegExp) => paths.filter((path) => pattern.test(posix.basename(path)));
  const scatterCandidates = findScatters(view);
  const flashAll = named(/^flash_all.*\.(sh|bat)$/i);

  const chosen = view.chosenScatter ?? scatterCandidates[0];
  if (chosen !== undefined) {
    const evidence =
      view.chosenScatter !== undefined
        ? [`scatter ${chosen} was named directly`]
        : [`scatter ${chosen}`, ...whyThisScatter(scatterCandidates)];
    if (flashAll.length > 0) {
      evidence.push(`also a MiFlash fastboot layout (${flashAll.join(', ')}): an MTK hybrid package`);
    }
    return {
      kind: 'mtk-scatter',
      evidence,
      scatterPath: chosen,
      scatterCandidates,
      imageRoot: folderOf(chosen),
    };
  }

  const rawprogram = named(/^rawprogram.*\.xml$/i);
  const firehose = named(/^prog_.*firehose.*\.(mbn|elf)$/i);
  if (rawprogram.length > 0 || firehose.length > 0) {
    const evidence = [
      ...rawprogram.map((p) => `Qualcomm EDL partition program ${p}`),
      ...firehose.map((p) => `Qualcomm firehose programmer ${p}`),
      ...named(/^patch.*\.xml$/i).map((p) => `Qualcomm patch file ${p}`),
    ];
    return classified('qualcomm', evidence, folderOf(rawprogram[0] ?? (firehose[0] as string)));
  }

  const odin = named(/\.tar\.md5$/i).concat(named(/^(AP|BL|CP|CSC|HOME_CSC)_.*\.tar$/i));
  if (odin.length > 0) {
    return classified(
      'samsung',
      odin.map((p) => `Samsung Odin archive ${p}`),
      folderOf(odin[0] as string),
    );
  }

  if (flashAll.length > 0) {
    const scriptFolder = folderOf(flashAll[0] as string);
    const images = scriptFolder === '' ? 'images' : `${scriptFolder}/images`;
    const hasImagesFolder = paths.some((p) => p.startsWith(`${images}/`));
    const evidence = [
      `fastboot script ${flashAll.join(', ')}`,
      'no scatter file: cannot be flashed through the MTK download agent',
    ];
    return classified('fastboot', evidence, hasImagesFolder ? images : scriptFolder);
  }

  const updateBinary = paths.filter((p) => /(^|\/)META-INF\/com\/google\/android\/update-binary$/.test(p));
  const payload = named(/^payload\.bin$/);
  if (updateBinary.length > 0 || payload.length > 0) {
    const evidence = [
      ...updateBinary.map((p) => `recovery updater ${p}`),
      ...payload.map((p) => `A/B OTA payload ${p}`),
    ];
    return classified('ota', evidence, '');
  }

  return {
    kind: 'unknown',
    evidence: ['no scatter, EDL, Odin, fastboot or OTA files found'],
    scatterCandidates,
    imageRoot: '',
  };

  function classified(kind: PackageKind, evidence: string[], imageRoot: string): PackageClassification {
    return { kind, evidence, scatterCandidates, imageRoot };
  }
}

function whyThisScatter(candidates: string[]): string[] {
  if (candidates.length < 2) return [];
  return [
    `${candidates.length} scatter candidates (${candidates.join(', ')}); chose the first by name (*_Android_scatter*, then platform in the name, then shortest path)`,
  ];
}

/** The folder holding a package path, '' at the top. */
function folderOf(path: string): string {
  const folder = posix.dirname(path);
  return folder === '.' ? '' : folder;
}

function files(view: PackageView): string[] {
  return view
    .entries()
    .filter((entry: PackageEntry) => entry.kind !== 'dir')
    .map((entry) => entry.path);
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}
