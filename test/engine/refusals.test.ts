/** Refusals tell the truth: `--accept-risk CODE` is offered only for codes it can accept; hard stops say so. */
import { describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../src/check/index.js';
import { gateFindings, HARD_STOPS, overrideAdvice, PlanRefusedError } from '../../src/engine/plan.js';
import { ExitCode } from '../../src/errors.js';

function report(...codes: string[]): Report {
  const findings = codes.map((code): Finding => ({
    code,
    severity: 'error',
    message: `${code} happened`,
    subject: { file: 'pkg/scatter.txt' },
    remedy: 'do the right thing',
    symptoms: [],
  }));
  return { findings } as unknown as Report;
}

describe('refusals', () => {
  it('a risk the user may take is offered by name and accepted by name', () => {
    const error = (() => {
      try {
        gateFindings(report('preloader.emi-no-match'));
      } catch (e) {
        return e as PlanRefusedError;
      }
    })();
    expect(error?.exitCode).toBe(ExitCode.refused);
    expect(error?.hint).toMatch(/--accept-risk preloader\.emi-no-match$/);
    expect(
      gateFindings(report('preloader.emi-no-match'), ['preloader.emi-no-match']).map((f) => f.code),
    ).toEqual(['preloader.emi-no-match']);
  });

  it('a hard stop is never offered --accept-risk, and accepting it anyway does not pass it', () => {
    for (const code of HARD_STOPS) {
      const error = (() => {
        try {
          gateFindings(report(code, 'checksum.mismatch'), [code, 'checksum.mismatch']);
        } catch (e) {
          return e as PlanRefusedError;
        }
      })();
      expect(error, code).toBeInstanceOf(PlanRefusedError);
      expect(error!.findings.map((f) => f.code)).toEqual([code]);
      expect(error!.hint).not.toMatch(/--accept-risk/);
      expect(error!.hint).toMatch(
        new RegExp(`${code.replace('.', '\\.')} is a hard stop: no flag overrides it`),
      );
    }
  });

  it('with a hard stop among them, accepting the other risks is not suggested (it would not help)', () => {
    expect(overrideAdvice(['file.missing', 'checksum.mismatch'])).toBe(
      'file.missing is a hard stop: no flag overrides it',
    );
  });
});
