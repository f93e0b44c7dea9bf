import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { defaultConfigPath, resolveMirrors } from '../../src/fetch/mirrors.js';
import { sourcesFor } from '../../src/fetch/sources.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-mirrors-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function config(text: string): Promise<string> {
  await mkdir(join(dir, 'romctl'), { recursive: true });
  await writeFile(join(dir, 'romctl', 'config.yaml'), text);
  return join(dir, 'romctl', 'config.yaml');
}

describe('resolveMirrors', () => {
  it('orders flags, then ROMCTL_MIRRORS (space or comma separated), then the config file, without duplicates', async () => {
    await config('mirrors:\n  - https://c.example/roms/\n  - https://a.example/\n');
    const mirrors = await resolveMirrors({
      flags: ['https://a.example/'],
      env: {
        ROMCTL_MIRRORS: 'https://b1.example, https://b2.example  http://b3.example',
        XDG_CONFIG_HOME: dir,
      },
    });
    expect(mirrors).toEqual([
      'https://a.example/',
      'https://b1.example/',
      'https://b2.example/',
      'http://b3.example/',
      'https://c.example/roms/',
    ]);
  });

  it('finds the config under XDG_CONFIG_HOME, and works without one', async () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/romctl/config.yaml');
    expect(await resolveMirrors({ env: { XDG_CONFIG_HOME: dir } })).toEqual([]);
  });

  it('explains a bad mirror or a bad config file in one line', async () => {
    await expect(resolveMirrors({ flags: ['ftp://x'], env: {} })).rejects.toThrow(/http or https/);
    await expect(resolveMirrors({ env: { ROMCTL_MIRRORS: 'not a url' } })).rejects.toThrow(RomctlError);
    const path = await config('mirrors: {a: 1}\n');
    await expect(resolveMirrors({ env: {}, configPath: path })).rejects.toThrow(/list of URLs/);
    await config('mirrors: [unclosed\n');
    await expect(resolveMirrors({ env: { XDG_CONFIG_HOME: dir } })).rejects.toThrow(/not valid YAML/);
  });
});

describe('sourcesFor', () => {
  it('puts bundle urls first, then each mirror by hash and by name', () => {
    const sha256 = 'ab'.repeat(32);
    expect(
      sourcesFor({ name: 'rom v1.zip', sha256, urls: ['https://vendor.example/rom.zip'] }, [
        'https://m.example/base',
        'https://n.example/',
      ]),
    ).toEqual([
      'https://vendor.example/rom.zip',
      `https://m.example/base/sha256/${sha256}`,
      'https://m.example/base/rom%20v1.zip',
      `https://n.example/sha256/${sha256}`,
      'https://n.example/rom%20v1.zip',
    ]);
    expect(sourcesFor({ name: 'a.zip', md5: '0'.repeat(32), urls: [] }, ['https://m.example/'])).toEqual([
      'https://m.example/a.zip',
    ]);
  });
});
