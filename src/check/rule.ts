import type { PackageFacts } from './facts.js';
import type { Finding, Severity, Subject } from './finding.js';

/** One check: facts in, findings out. `codes` lists every finding code it can emit (stable, documented). */
export interface Rule {
  readonly name: string;
  readonly codes: readonly string[];
  check(facts: PackageFacts): Finding[];
}

export function finding(
  code: string,
  severity: Severity,
  message: string,
  subject: Subject,
  remedy: string,
  symptoms: string[] = [],
): Finding {
  return { code, severity, message, subject, remedy, symptoms };
}

export function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}
