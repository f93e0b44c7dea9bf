import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RomctlError } from '../errors.js';

export interface MirrorSources {
  /** `--mirror URL`, repeatable: first */
  flags?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** defaults to `$XDG_CONFIG_HOME/romctl/config.yaml` (`~/.config/romctl/config.yaml`) */
  configPath?: string;
}

/** User mirrors in order: flags, then `ROMCTL_MIRRORS` (space or comma separated), then the config file. */
export async function resolveMirrors(sources: MirrorSources = {}): Promise<string[]> {
  const env = sources.env ?? process.env;
  const fromEnv = (env.ROMCTL_MIRRORS ?? '').split(/[\s,]+/).filter((item) => item !== '');
  const configPath = sources.configPath ?? defaultConfigPath(env);
  const all = [
    ...(sources.flags ?? []).map((url) => checkedMirror(url, '--mirror')),
    ...fromEnv.map((url) => checkedMirror(url, 'ROMCTL_MIRRORS')),
    ...(await mirrorsFromConfig(configPath)),
  ];
  return [...new Set(all)];
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'romctl', 'config.yaml');
}

async function mirrorsFromConfig(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RomctlError('cannot read the config file', { where: path, cause: error });
  }
  let config: unknown;
  try {
    config = parse(text);
  } catch (error) {
    throw new RomctlError(`config file is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      where: path,
      hint: 'fix the file or remove it',
    });
  }
  const mirrors =
    config !== null && typeof config === 'object' ? (config as { mirrors?: unknown }).mirrors : undefined;
  if (mirrors === undefined || mirrors === null) return [];
  if (!Array.isArray(mirrors) || !mirrors.every((item) => typeof item === 'string')) {
    throw new RomctlError('`mirrors` must be a list of URLs', {
      where: path,
      hint: 'mirrors: [https://…, …]',
    });
  }
  return mirrors.map((url) => checkedMirror(url, path));
}

function checkedMirror(url: string, where: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RomctlError(`not a URL: ${url}`, { where, hint: 'a mirror is an http:// or https:// address' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RomctlError(`mirror must be http or https: ${url}`, { where });
  }
  return parsed.href;
}
