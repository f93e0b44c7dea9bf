/** `romctl check`: gather the package's facts in one streaming pass, run the rules, build the report. */
import { collectFacts, type CollectOptions } from './collect.js';
import { buildReport, type Report } from './report.js';
import type { DeviceFacts } from './facts.js';
import { DEVICE_RULES } from './rules/device-rules.js';
import { PACKAGE_RULES } from './rules/index.js';
import { loadReferencePreloader } from './reference-preloader.js';

export interface CheckOptions extends CollectOptions {
  /** the target device (`--device`): adds the device rules */
  device?: DeviceFacts;
  /** another preloader, or a package holding one, to compare EMI coverage with (`--preloader-from`) */
  preloaderFrom?: string;
}

export async function checkPackage(path: string, options: CheckOptions = {}): Promise<Report> {
  // the reference first: a wrong --preloader-from fails before the package is read
  const reference =
    options.preloaderFrom === undefined ? undefined : await loadReferencePreloader(options.preloaderFrom);
  const facts = await collectFacts(path, options);
  if (reference !== undefined) facts.referencePreloader = reference;
  if (!options.device) return buildReport(facts, PACKAGE_RULES);
  facts.device = options.device;
  return buildReport(facts, [...PACKAGE_RULES, ...DEVICE_RULES]);
}

export { collectFacts, collectFromView, type CollectOptions } from './collect.js';
export type {
  DeviceFacts,
  DeviceLayoutFacts,
  DeviceVariantFacts,
  ImageFacts,
  KnownGoodFacts,
  MemoryTarget,
  PackageFacts,
  PlanMode,
  ResolvedFile,
} from './facts.js';
export { bySeverity, verdictOf, type Finding, type Severity, type Subject, type Verdict } from './finding.js';
export { buildReport, runRules, type Report } from './report.js';
export type { Rule } from './rule.js';
export { PACKAGE_RULES } from './rules/index.js';
export { DEVICE_RULES } from './rules/device-rules.js';
