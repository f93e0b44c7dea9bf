/**
 * MTK_BLOADER_INFO versions seen per platform in real preloaders (measured on ../shared/corpus: 50 preloaders and
 * 628 EMI blocks, 2026-11). The version tracks the chip generation (MT65xx v07–v13, MT6735–55 v20–22, MT6757–63
 * v25–30, MT6761–71 v35–38, MT68xx v51–52; MT6797 and MT8173 carry v00), so a version far from what a platform
 * uses points to a preloader built for another chip.
 */
export const OBSERVED_BLOADER_VERSIONS: Readonly<Record<string, readonly number[]>> = {
  MT6572: [11],
  MT6573: [7],
  MT6575: [8],
  MT6580: [21],
  MT6582: [12],
  MT6589: [10],
  MT6592: [13],
  MT6735: [20],
  MT6737M: [20],
  MT6737T: [20],
  MT6739: [32],
  MT6750: [22],
  MT6753: [20],
  MT6755: [22],
  MT6757D: [25],
  MT6761: [38],
  MT6762: [35],
  MT6763: [30],
  MT6765: [35],
  MT6771: [36],
  MT6797: [0],
  MT6833: [52],
  MT6893: [51],
  MT8163: [16],
  MT8167: [28],
  MT8168: [28],
  MT8173: [0],
};

/** How far from every observed version a table may be before it looks like another generation's. */
const GENERATION_SPREAD = 6;

export type EraVerdict = { fits: true } | { fits: false; seen: readonly number[] } | { fits: 'unknown' };

export function bloaderVersionFits(platform: string | null, version: number): EraVerdict {
  const seen = platform === null ? undefined : OBSERVED_BLOADER_VERSIONS[platform.toUpperCase()];
  if (!seen) return { fits: 'unknown' };
  const near = seen.some((observed) =>
    observed === 0 || version === 0
      ? observed === version
      : Math.abs(observed - version) <= GENERATION_SPREAD,
  );
  return near ? { fits: true } : { fits: false, seen };
}
