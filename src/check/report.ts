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
    } | null;
  };
  findings: Finding[];
}

export function runRules(facts: PackageFacts, rules: readonly Rule[]): Finding[] {
  return rules.flatMap((rule) => rule.check(facts));
}

export function buildReport(facts: PackageFacts, rules: readonly Rule[]): Report {
  const findings = bySeverity(runRules(facts, rules));
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
          }
        : null,
    },
    findings,
  };
}
