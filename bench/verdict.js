// Every budget the bench measures is reported through here, so each line says the peer, the ratio and met / not met,
// and the run can end with one table (the README's performance table is made from it).
const verdicts = [];

/**
 * Prints and records one budget.
 * @param {object} budget
 * @param {string} budget.name        what is measured, e.g. "download 1 GiB on loopback"
 * @param {string} budget.peer        the named tool it is compared with, e.g. "curl -o"
 * @param {number} budget.ratio       romctl's figure divided by the peer's, in the sense of `limit`
 * @param {number} budget.limit       the budget for that ratio
 * @param {'at-most'|'at-least'} budget.sense  whether the ratio must stay at most or at least the limit
 * @param {string} budget.measured    the figures behind the ratio, in words
 */
export function report({ name, peer, ratio, limit, sense, measured }) {
  const met = sense === 'at-most' ? ratio <= limit : ratio >= limit;
  const entry = { name, peer, ratio, limit, sense, measured, met };
  verdicts.push(entry);
  const bound = sense === 'at-most' ? '≤' : '≥';
  console.log(
    `${met ? 'met    ' : 'NOT MET'} ${name}: ${ratio.toFixed(2)}× ${peer} (budget ${bound} ${limit}×) — ${measured}`,
  );
  return entry;
}

/** The budgets reported so far, in order. */
export function reported() {
  return [...verdicts];
}
