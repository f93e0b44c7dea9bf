import {
  explainCode,
  familyOf,
  formatNumber,
  parseSpftScheme,
  SCHEME_LABELS,
  SCHEME_TAGS,
  SCHEMES,
  type ErrorEntry,
  type ExplainMatch,
  type ExplainResult,
} from '../../knowledge/index.js';
import { ExitCode } from '../../errors.js';
import type { Output } from '../output.js';

export async function runExplain(
  output: Output,
  code: string,
  options: { scheme?: string },
): Promise<number> {
  const result = explainCode(code, { scheme: parseSpftScheme(options.scheme) });
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
  output.line(`  meaning: ${entry.meaning}`);
  output.line(`  cause:   ${entry.cause}`);
  output.line(`  remedy:  ${entry.remedy}`);
  output.line(
    entry.rules.length > 0
      ? `  romctl prevents this with: ${style.green(entry.rules.join(', '))}`
      : '  romctl prevents this with: nothing (not caused by the firmware package)',
  );
}
