import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'romctl-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

async function script(shell: string): Promise<string> {
  const run = await runCli(['completion', shell]);
  expect(run.code).toBe(0);
  const path = join(dir, `romctl.${shell}`);
  writeFileSync(path, run.stdout);
  return path;
}

/** what bash offers for the words typed so far (the last one is being completed) */
function bashOffers(path: string, typed: string[]): string[] {
  const words = typed.map((word) => `'${word}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source '${path}'; COMP_WORDS=(romctl ${words}); COMP_CWORD=${typed.length}; _romctl; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean).sort();
}

describe('romctl completion', () => {
  it('bash completes commands, subcommands, options and option values', async () => {
    const path = await script('bash');
    expect(bashOffers(path, ['ch'])).toEqual(['check']);
    expect(bashOffers(path, ['cache', ''])).toEqual(['ls', 'prune', 'verify']);
    expect(bashOffers(path, ['cache', 'prune', '--o'])).toEqual(['--older-than']);
    expect(bashOffers(path, ['flash', 'rom.zip', '--mode', ''])).toEqual([
      'download',
      'format-all',
      'upgrade',
    ]);
    expect(bashOffers(path, ['help', 'fl'])).toEqual(['flash']);
    // a file argument: nothing offered, so bash falls back to file names (complete -o default)
    expect(bashOffers(path, ['check', 'ro'])).toEqual([]);
  });

  it.skipIf(!has('fish'))('fish completes the same (skipped without fish)', async () => {
    const path = await script('fish');
    const offers = (line: string) =>
      execFileSync('fish', ['-c', `source '${path}'; complete -C '${line}'`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((row) => row.split('\t')[0]);
    expect(offers('romctl ch')).toEqual(['check']);
    expect(offers('romctl cache ')).toEqual(['ls', 'prune', 'verify']);
    expect(offers('romctl check --mode ')).toEqual(['download', 'format-all', 'upgrade']);
  });

  it.skipIf(!has('zsh'))(
    'zsh completes in an interactive shell (skipped without zsh)',
    { timeout: 60_000 },
    async () => {
      const path = await script('zsh');
      // an interactive zsh on a pseudo-terminal (zpty): type, press Tab, read what the line became
      const driver = join(dir, 'drive.zsh');
      // waits (up to 15 s) for the line to become $2, since compinit and the completion take a while on a busy machine
      writeFileSync(
        driver,
        `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1="> "; autoload -U compinit; compinit -u -d ${dir}/zcompdump; source ${path}'
zpty -n -w z $'romctl '"$1"$'\\t'
local all="" line
for i in {1..150}; do
  while zpty -r -t z line 2>/dev/null; do all+=$line; done
  [[ \${all//$'\\r'/} == *"romctl $2"* ]] && break
  sleep 0.1
done
zpty -d z
print -r -- "$all"
`,
      );
      const typed = (text: string, expected: string) => {
        const out = execFileSync('zsh', ['-f', driver, text, expected], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        const screen = out.replace(/\r/g, '').split(String.fromCharCode(27)).join('\n');
        const found = screen.match(/romctl [^\n]*/g) ?? [];
        return found.at(-1)?.trimEnd();
      };
      expect(typed('cache pr', 'cache prune')).toBe('romctl cache prune');
      expect(typed('check --mo', 'check --mode')).toMatch(/^romctl check --mode=?$/);
    },
  );

  it('refuses a shell it does not know, with usage exit 2', async () => {
    const run = await runCli(['completion', 'tcsh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^romctl: .*tcsh.*bash, zsh, fish/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
