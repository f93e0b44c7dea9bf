/** What a rule says about a package (DESIGN §3 Finding). Codes are stable dotted slugs: `scatter.overlap`. */
export type Severity = 'error' | 'warning' | 'info';

export interface Subject {
  file?: string;
  partition?: string;
  /** byte offset inside the file or the storage */
  offset?: bigint;
  line?: number;
}

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  subject: Subject;
  /** what the user can do about it */
  remedy: string;
  /** SP Flash Tool / BROM / DA error names this problem would cause on a real phone */
  symptoms: string[];
}

export type Verdict = 'pass' | 'warn' | 'refuse';

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((finding) => finding.severity === 'error')) return 'refuse';
  if (findings.some((finding) => finding.severity === 'warning')) return 'warn';
  return 'pass';
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then notes; inside a severity the rules' own order is kept. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank[a.severity] - severityRank[b.severity]);
}
