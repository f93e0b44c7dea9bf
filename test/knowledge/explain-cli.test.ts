import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('romctl explain', () => {
  it('explains 4032 in both numberings and names the rule that prevents it', async () => {
    const run = await runCli(['explain', '4032']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^4032 has 2 meanings; .*--scheme v5 or --scheme old/);
    expect(run.stdout).toMatch(/S_FT_ENABLE_DRAM_FAIL — 4032 in SP Flash Tool 5\.x numbering/);
    expect(run.stdout).toMatch(/S_FT_SEC_RO_WRITE_FAIL — 4032 in old numbering \(BootRom library/);
    expect(run.stdout).toMatch(/number: {2}4032 \(SP Flash Tool v5\), 4034 \(old numbering\)/);
    expect(run.stdout).toMatch(/romctl prevents this with: preloader\.emi-no-match/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('shows a single entry with --scheme, with meaning, cause and remedy', async () => {
    const run = await runCli(['explain', '4032', '--scheme', 'v5']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('S_FT_ENABLE_DRAM_FAIL — 4032 in SP Flash Tool 5.x numbering');
    expect(lines.map((line) => line.trim().split(':')[0])).toEqual([
      'S_FT_ENABLE_DRAM_FAIL — 4032 in SP Flash Tool 5.x numbering',
      'number',
      'meaning',
      'cause',
      'remedy',
      'romctl prevents this with',
    ]);
  });

  it('lists a number shared by both numberings once', async () => {
    const run = await runCli(['explain', '5054']);
    expect(run.stdout).toMatch(/^S_DL_GET_DRAM_SETTING_FAIL — 5054 in both SP Flash Tool numberings\n/);
    expect(run.stdout).toMatch(/number: {2}5054 \(SP Flash Tool v5 and old numbering\)\n/);
  });

  it('says when an entry has no preventing rule, and when an alias or hex reading was used', async () => {
    const startcmd = await runCli(['explain', 'S_BROM_CMD_STARTCMD_FAIL']);
    expect(startcmd.stdout).toMatch(/romctl prevents this with: nothing/);
    const alias = await runCli(['explain', 'STATUS_EXCEED_NUM_MAX']);
    expect(alias.stdout).toMatch(/STATUS_EXCEED_NUM_MAX is another spelling of STATUS_DA_EXCEED_MAX_NUM/);
    expect(alias.stdout).toMatch(/number: {2}0xC0070005 \(DA status\)/);
    const hex = await runCli(['explain', '7024']);
    expect(hex.stdout).toMatch(/DAA_SIG_VERIFY_FAILED[\s\S]*read as hex/);
  });

  it('prints the matching entries as JSON with --json', async () => {
    const run = await runCli(['--json', 'explain', '3004']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as {
      query: string;
      matches: { name: string; matchedSchemes: string[]; rules: string[]; numbers: { scheme: string }[] }[];
    };
    expect(json.query).toBe('3004');
    expect(json.matches.map((m) => [m.name, m.matchedSchemes])).toEqual([
      ['S_DA_SETUP_EMI_PLL_ERR', ['v5']],
      ['S_DA_DRAM_NOT_SUPPORT', ['old']],
    ]);
    expect(json.matches[1]?.rules).toEqual(['preloader.emi-no-match']);
    expect(json.matches[1]?.numbers).toEqual([
      { scheme: 'v5', value: 3008, text: '3008' },
      { scheme: 'old', value: 3004, text: '3004' },
    ]);
  });

  it('colours only on a terminal', async () => {
    const run = await runCli(['explain', 'STATUS_DA_HASH_MISMATCH'], {}, true);
    expect(run.stdout).toContain('\u001b[1mSTATUS_DA_HASH_MISMATCH');
    const noColor = await runCli(['explain', 'STATUS_DA_HASH_MISMATCH'], { NO_COLOR: '1' }, true);
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('refuses an unknown code with exit 2, one line and suggestions', async () => {
    const run = await runCli(['explain', 'S_FT_ENABLE_DRAM_FAI']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /unknown error code or name "S_FT_ENABLE_DRAM_FAI" — did you mean S_FT_ENABLE_DRAM_FAIL/,
    );
  });

  it('refuses a bad --scheme and a missing code with exit 2', async () => {
    const scheme = await runCli(['explain', '4032', '--scheme', 'v7']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/unknown numbering scheme 'v7'/);
    const missing = await runCli(['explain']);
    expect(missing.code).toBe(2);
  });
});

describe('romctl explain takes what users have', () => {
  it('a romctl finding code: what it checks, whether --accept-risk takes it, what it prevents', async () => {
    const soft = await runCli(['explain', 'preloader.emi-no-match']);
    expect(soft.code).toBe(0);
    expect(soft.stdout).toMatch(
      /^preloader\.emi-no-match — a romctl finding\n {2}checks: {4}the preloader has no EMI record/,
    );
    expect(soft.stdout).toMatch(/override: {2}--accept-risk preloader\.emi-no-match/);
    expect(soft.stdout).toMatch(/prevents: {2}.*S_FT_ENABLE_DRAM_FAIL/);
    const hard = await runCli(['explain', 'file.missing']);
    expect(hard.stdout).toMatch(/override: {2}none — a hard stop/);
    const typo = await runCli(['explain', 'preloader.emi-no-mach']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean preloader\.emi-no-match\?/);
  });

  it('the line SP Flash Tool prints: the name decides, the number picks its numbering', async () => {
    const dram = await runCli(['explain', 'BROM ERROR : S_FT_ENABLE_DRAM_FAIL (4032)']);
    expect(dram.stdout).toMatch(/^S_FT_ENABLE_DRAM_FAIL — 4032 in SP Flash Tool 5\.x numbering\n/);
    const old = await runCli(['explain', 'BROM ERROR : S_FT_ENABLE_DRAM_FAIL (4034)']);
    expect(old.stdout).toMatch(/^S_FT_ENABLE_DRAM_FAIL — 4034 in old numbering/);
    const da = await runCli(['explain', 'ERROR', ':', 'STATUS_DA_HASH_MISMATCH', '(0xc0070004)']);
    expect(da.stdout).toMatch(/^STATUS_DA_HASH_MISMATCH\n {2}number: {2}0xC0070004 \(DA status\)/);
  });

  it('the words of the message', async () => {
    expect((await runCli(['explain', 'Enable DRAM Failed'])).stdout).toMatch(/^S_FT_ENABLE_DRAM_FAIL\n/);
    expect((await runCli(['explain', '[EMI] Obtain DRAM Failed!'])).stdout).toMatch(
      /^S_DL_GET_DRAM_SETTING_FAIL\n/,
    );
  });

  it('the tool version picks the numbering of a bare number', async () => {
    const v3 = await runCli(['explain', '4032', '--tool-version', '3.1312']);
    expect(v3.stdout).toMatch(/^S_FT_SEC_RO_WRITE_FAIL — 4032 in old numbering/);
    const v5 = await runCli(['explain', '4032', '--tool-version', 'SP_Flash_Tool_v5.1924']);
    expect(v5.stdout).toMatch(/^S_FT_ENABLE_DRAM_FAIL — 4032 in SP Flash Tool 5\.x numbering/);
    const bad = await runCli(['explain', '4032', '--tool-version', 'latest']);
    expect(bad.code).toBe(2);
  });
});
