export { ERROR_ALIASES, ERROR_ENTRIES } from './errors.data.js';
export {
  entryForDaText,
  explainCode,
  levenshtein,
  parseSpftScheme,
  schemeForToolVersion,
  suggestNames,
} from './lookup.js';
export { RULE_CODE_MEANINGS } from './rule-codes.data.js';
export type { ExplainMatch, ExplainOptions, ExplainResult, SpftScheme } from './lookup.js';
export { familyOf, formatNumber, SCHEME_LABELS, SCHEME_TAGS, SCHEMES } from './model.js';
export type { ErrorAlias, ErrorEntry, ErrorNumbers, Family, Scheme } from './model.js';
export { PREVENTING_RULES } from './rule-codes.js';
export type { PreventingRule } from './rule-codes.js';
