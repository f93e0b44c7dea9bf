import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'romctl-trust-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const metadata = (tree: string, name: string) =>
  JSON.parse(readFileSync(join(tree, 'metadata', name), 'utf8')) as {
    signed: { version: number; roles?: Record<string, { keyids: string[]; threshold: number }> };
    signatures: unknown[];
  };

describe('romctl registry keygen | sign | publish', () => {
  it('makes keys only their owner can read, a root with thresholds, and a signed tree of the registry', async () => {
    const keys = join(root, 'keys');
    const tree = join(root, 'tree');
    const keygen = await runCli(['registry', 'keygen', '--keys', keys, '--json']);
    expect(keygen.code, keygen.stderr).toBe(0);
    expect((JSON.parse(keygen.stdout) as { keys: { role: string }[] }).keys.map((key) => key.role)).toEqual([
      'root',
      'targets',
      'snapshot',
      'timestamp',
    ]);
    const [pem] = readdirSync(join(keys, 'root'));
    expect(statSync(join(keys, 'root', pem as string)).mode & 0o777).toBe(0o600);
    expect((await runCli(['registry', 'keygen', '--keys', keys, '--role', 'targets'])).code).toBe(0);

    const tooFew = await runCli(['registry', 'sign', '--keys', keys, '--out', tree, '--threshold', 'root=2']);
    expect(tooFew.code).toBe(2);
    expect(tooFew.stderr).toContain('the root role needs 2 keys, the key folder has 1');
    const sign = await runCli(['registry', 'sign', '--keys', keys, '--out', tree, '--threshold', 'targets=2']);
    expect(sign.code, sign.stderr).toBe(0);
    expect(metadata(tree, '1.root.json').signed.roles?.targets).toMatchObject({ threshold: 2 });

    const registry = join(root, 'registry');
    await cp(join(import.meta.dirname, '..', '..', 'registry'), registry, { recursive: true });
    const publish = await runCli(['registry', 'publish', registry, '--keys', keys, '--out', tree, '--json']);
    expect(publish.code, publish.stderr).toBe(0);
    expect(JSON.parse(publish.stdout)).toMatchObject({ version: 1, documents: 116 * 2 + 318 + 1 });
    expect(metadata(tree, '1.targets.json').signatures).toHaveLength(2);
    expect((await runCli(['registry', 'publish', registry, '--keys', keys, '--out', tree])).code).toBe(0);
    expect(metadata(tree, 'timestamp.json').signed.version).toBe(2);

    const oneTargetsKey = join(root, 'one-targets-key');
    await cp(keys, oneTargetsKey, { recursive: true });
    rmSync(join(oneTargetsKey, 'targets', readdirSync(join(oneTargetsKey, 'targets'))[0] as string));
    const short = await runCli(['registry', 'publish', registry, '--keys', oneTargetsKey, '--out', tree]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("the tree's root wants 2 targets signatures; the key folder holds 1 of its keys");
  });

  it('rotates the root only when the old root keys sign too', async () => {
    const keys = join(root, 'rotate-old');
    const tree = join(root, 'rotate-tree');
    await runCli(['registry', 'keygen', '--keys', keys]);
    expect((await runCli(['registry', 'sign', '--keys', keys, '--out', tree])).code).toBe(0);
    const fresh = join(root, 'rotate-new');
    await runCli(['registry', 'keygen', '--keys', fresh]);
    const alone = await runCli(['registry', 'sign', '--keys', fresh, '--out', tree]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/not signed by enough keys of root version 1: root was signed by 0\/1 keys — give the old root keys with --old-keys/);
    expect(readdirSync(join(tree, 'metadata')).sort()).toEqual(['1.root.json', 'root.json']);
    const rotated = await runCli(['registry', 'sign', '--keys', fresh, '--old-keys', keys, '--out', tree]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(metadata(tree, '2.root.json').signatures).toHaveLength(2);
  });

  it('refuses to publish without a root, and bad thresholds or expiries', async () => {
    const keys = join(root, 'keys-3');
    await runCli(['registry', 'keygen', '--keys', keys]);
    const noRoot = await runCli(['registry', 'publish', '--keys', keys, '--out', join(root, 'empty')]);
    expect(noRoot.code).toBe(2);
    expect(noRoot.stderr).toContain('the tree has no root metadata');
    const threshold = await runCli(['registry', 'sign', '--keys', keys, '--out', join(root, 't'), '--threshold', 'root=0']);
    expect([threshold.code, threshold.stderr]).toEqual([2, expect.stringContaining('not a signature count')]);
    const expires = await runCli(['registry', 'sign', '--keys', keys, '--out', join(root, 't'), '--expires', 'soon']);
    expect([expires.code, expires.stderr]).toEqual([2, expect.stringContaining('not a number of days')]);
    const role = await runCli(['registry', 'keygen', '--keys', keys, '--role', 'mirror']);
    expect([role.code, role.stderr]).toEqual([2, expect.stringContaining('not a TUF role')]);
  });
});
