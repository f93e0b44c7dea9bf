import {
  explainCode,
  familyOf,
  formatNumber,
  levenshtein,
  parseSpftScheme,
  RULE_CODE_MEANINGS,
  SCHEME_LABELS,
  schemeForToolVersion,
  SCHEME_TAGS,
  SCHEMES,
  type ErrorEntry,
  type ExplainMatch,
  type ExplainResult,
  ERROR_ENTRIES,
} from '../../knowledge/index.js';
import { HARD_STOPS } from '../../engine/plan.js';
import { ExitCode, RomctlError } from '../../errors.js';
import type { Output } from '../output.js';

export async function runExplain(
  output: Output,
  code: string,
  options: { scheme?: string; toolVersion?: string },
): Promise<number> {
  if (RULE_CODE.test(code.trim())) return explainRuleCode(output, code.trim());
  const scheme = parseSpftScheme(options.scheme) ?? schemeForToolVersion(options.toolVersion);
  const result = explainCode(code, { scheme });
  if (output.json) output.printJson(toJson(result));
  else printHuman(output, result);
  return ExitCode.ok;
}

function numbersOf(entry: ErrorEntry) {
  return SCHEMES.flatMap((scheme) => {
    const value = entry.numbers[scheme];
    return value === undefined ? [] : [{ scheme, value, text: formatNumber(scheme, value) }];
  });
}

function toJson(result: ExplainResult) {
  return {
    query: result.query,
    matches: result.matches.map((match) => ({
      name: match.entry.name,
      family: familyOf(match.entry),
      numbers: numbersOf(match.entry),
      meaning: match.entry.meaning,
      cause: match.entry.cause,
      remedy: match.entry.remedy,
      rules: match.entry.rules,
      sources: match.entry.sources,
      ...(match.entry.daTexts ? { daTexts: match.entry.daTexts } : {}),
      matchedBy: match.by,
      ...(match.schemes ? { matchedSchemes: match.schemes } : {}),
      ...(match.alias ? { alias: match.alias } : {}),
      ...(match.readAsHex ? { readAsHex: true } : {}),
    })),
  };
}

function printHuman(output: Output, result: ExplainResult): void {
  const { matches } = result;
  const bySpftNumber = matches.some((match) =>
    match.schemes?.some((scheme) => scheme === 'v5' || scheme === 'old'),
  );
  if (matches.length > 1) {
    output.line(
      bySpftNumber
        ? `${result.query} has ${matches.length} meanings; which one depends on the SP Flash Tool version ` +
            '(choose with --scheme v5 or --scheme old):'
        : `${result.query} matches ${matches.length} codes:`,
    );
    output.line();
  }
  matches.forEach((match, position) => {
    if (position > 0) output.line();
    printMatch(output, match);
  });
}

/** `— 4032 in SP Flash Tool 5.x numbering`: which reading of an S_* number this entry is. */
function readingOf(match: ExplainMatch): string {
  const spft = match.schemes?.filter((scheme) => scheme === 'v5' || scheme === 'old') ?? [];
  const [scheme] = spft;
  if (scheme === undefined) return '';
  const value = formatNumber(scheme, match.entry.numbers[scheme] ?? 0);
  return spft.length > 1
    ? ` — ${value} in both SP Flash Tool numberings`
    : ` — ${value} in ${SCHEME_LABELS[scheme]}`;
}

/** `4032 (SP Flash Tool v5), 4034 (old numbering)`; numbers equal in both S_* numberings are listed once. */
function numberLine(entry: ErrorEntry): string {
  const { v5, old } = entry.numbers;
  if (v5 !== undefined && v5 === old) return `${v5} (${SCHEME_TAGS.v5} and ${SCHEME_TAGS.old})`;
  return numbersOf(entry)
    .map(({ scheme, text }) => `${text} (${SCHEME_TAGS[scheme]})`)
    .join(', ');
}

function printMatch(output: Output, match: ExplainMatch): void {
  const { entry } = match;
  const { style } = output;
  output.line(`${style.bold(entry.name)}${readingOf(match)}`);
  if (match.alias) output.line(style.dim(`  (${match.alias} is another spelling of ${entry.name})`));
  if (match.readAsHex) output.line(style.dim('  (no decimal code has this number; read as hex)'));
  output.line(`  number:  ${numberLine(entry)}`);
  if (entry.daTexts) output.line(`  XML DA:  ${entry.daTexts.map((text) => `'${text}'`).join(', ')}`);
  output.line(`  meaning: ${entry.meaning}`);
  output.line(`  cause:   ${entry.cause}`);
  output.line(`  remedy:  ${entry.remedy}`);
  output.line(
    entry.rules.length > 0
      ? `  romctl prevents this with: ${style.green(entry.rules.join(', '))}`
      : '  romctl prevents this with: nothing (not caused by the firmware package)',
  );
}

/** a romctl finding code: `preloader.emi-no-match` */
const RULE_CODE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** What a finding code checks, whether --accept-risk can take it, and the tool errors it prevents. */
function explainRuleCode(output: Output, code: string): number {
  const meaning = RULE_CODE_MEANINGS[code];
  if (meaning === undefined) {
    const nearest = Object.keys(RULE_CODE_MEANINGS)
      .map((name) => ({ name, distance: levenshtein(code, name) }))
      .filter((c) => c.distance <= Math.max(2, Math.floor(code.length / 4)))
      .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
      .slice(0, 3)
      .map((c) => c.name);
    throw new RomctlError(`unknown romctl finding code ${JSON.stringify(code)}`, {
      hint:
        nearest.length > 0
          ? `did you mean ${nearest.join(', ')}?`
          : 'romctl check prints the codes it finds; romctl explain takes them as written',
    });
  }
  const hard = HARD_STOPS.has(code);
  const prevents = ERROR_ENTRIES.filter((entry) => (entry.rules as readonly string[]).includes(code));
  if (output.json) {
    output.printJson({ code, meaning, hardStop: hard, prevents: prevents.map((entry) => entry.name) });
    return ExitCode.ok;
  }
  output.line(`${output.style.bold(code)} — a romctl finding`);
  output.line(`  checks:    ${meaning}`);
  output.line(
    hard
      ? '  override:  none — a hard stop; no flag overrides it'
      : `  override:  --accept-risk ${code} (romctl flash), only when you know why it does not apply`,
  );
  output.line(
    prevents.length > 0
      ? `  prevents:  ${prevents.map((entry) => entry.name).join(', ')}`
      : '  prevents:  no SP Flash Tool error in the knowledge base names it',
  );
  return ExitCode.ok;
}
