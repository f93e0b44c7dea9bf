import type { PackageFacts } from './facts.js';
import { bySeverity, verdictOf, type Finding, type Verdict } from './finding.js';
import type { Rule } from './rule.js';

/** The result of `romctl check` (schemas/report.schema.json). */
export interface Report {
  verdict: Verdict;
  package: {
    path: string;
    kind: string;
    scatter: {
      path: string;
      platform: string | null;
      project: string | null;
      storage: string;
      format: string;
      /** one per storage the scatter lays out */
      layouts: LayoutSummary[];
    } | null;
  };
  findings: Finding[];
}

export interface LayoutSummary {
  storage: string | null;
  partitions: number;
  /** entries with an image to write */
  downloads: number;
  /** the regions its partitions are in, in file order */
  regions: string[];
}

export function runRules(facts: PackageFacts, rules: readonly Rule[]): Finding[] {
  return rules.flatMap((rule) => rule.check(facts));
}

export function buildReport(facts: PackageFacts, rules: readonly Rule[]): Report {
  const findings = bySeverity(once(runRules(facts, rules)));
  const scatter = facts.scatter;
  return {
    verdict: verdictOf(findings),
    package: {
      path: facts.path,
      kind: facts.kind,
      scatter: scatter
        ? {
            path: scatter.path,
            platform: scatter.model.platform,
            project: scatter.model.project,
            storage: scatter.model.layouts.map((layout) => layout.storage ?? '?').join('+'),
            format: scatter.model.format,
            layouts: scatter.model.layouts.map((layout) => ({
              storage: layout.storage,
              partitions: layout.partitions.length,
              downloads: layout.partitions.filter((p) => p.isDownload && p.fileName !== null).length,
              regions: [...new Set(layout.partitions.flatMap((p) => (p.region === null ? [] : [p.region])))],
            })),
          }
        : null,
    },
    findings,
  };
}

/**
 * A multi-storage scatter lists each partition once per storage: a finding that reads the same for each layout
 * (the same missing file, the same oversized image) is reported once.
 */
function once(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify([f.code, f.severity, f.message, f.subject.file, f.subject.partition]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
