import { resolve } from 'node:path';
import { ExitCode, RomctlError } from '../../errors.js';
import { registryLocation } from '../../registry/location.js';
import { generateKey, isRole, ROLES, type RoleName } from '../../registry/trust/keys.js';
import { publishRegistry } from '../../registry/trust/publish.js';
import { signRoot } from '../../registry/trust/root.js';
import { schemaCheck } from '../../registry/validate.js';
import type { Output } from '../output.js';

export interface KeygenOptions {
  keys: string;
  role?: string[];
}

export interface SignOptions {
  keys: string;
  out: string;
  oldKeys?: string;
  threshold?: string[];
  expires?: string;
}

export interface PublishCommandOptions {
  keys: string;
  out: string;
  expires?: string[];
}

function days(text: string, what: string): number {
  const value = Number(text.replace(/d$/, ''));
  if (!/^\d+d?$/.test(text) || value < 1 || value > 3650) {
    throw new RomctlError(`${what} ${text}: not a number of days`, {
      hint: 'for example 7 or 7d (1 to 3650)',
    });
  }
  return value;
}

/** `role=n` pairs (`--threshold root=2`, `--expires timestamp=1`). */
function rolePairs(
  pairs: string[],
  option: string,
  allowed: readonly RoleName[],
): Partial<Record<RoleName, number>> {
  const result: Partial<Record<RoleName, number>> = {};
  for (const pair of pairs) {
    const [role, value] = pair.split('=');
    if (role === undefined || value === undefined || !isRole(role) || !allowed.includes(role)) {
      throw new RomctlError(`${option} ${pair}: expected <role>=<number>`, {
        hint: `roles: ${allowed.join(', ')}`,
      });
    }
    result[role] = option === '--expires' ? days(value, option) : count(value, option);
  }
  return result;
}

function count(text: string, option: string): number {
  if (!/^[1-9]\d?$/.test(text))
    throw new RomctlError(`${option} ${text}: not a signature count`, { hint: '1 to 99' });
  return Number(text);
}

export async function runKeygen(output: Output, options: KeygenOptions): Promise<number> {
  const roles = options.role ?? [...ROLES];
  const made = [];
  for (const role of roles) {
    if (!isRole(role))
      throw new RomctlError(`--role ${role}: not a TUF role`, { hint: `roles: ${ROLES.join(', ')}` });
    const { key, file } = await generateKey(resolve(options.keys), role);
    made.push({ role, keyId: key.keyID, file });
  }
  if (output.json) output.printJson({ keys: made });
  else for (const { role, keyId, file } of made) output.line(`${role.padEnd(9)}  ${keyId}  ${file}`);
  output.note('keep the root keys offline; the timestamp and snapshot keys sign on every publish');
  return ExitCode.ok;
}

export async function runSign(output: Output, options: SignOptions): Promise<number> {
  const signed = await signRoot({
    keys: resolve(options.keys),
    tree: resolve(options.out),
    ...(options.oldKeys === undefined ? {} : { oldKeys: resolve(options.oldKeys) }),
    thresholds: rolePairs(options.threshold ?? [], '--threshold', ROLES),
    ...(options.expires === undefined ? {} : { expiresDays: days(options.expires, '--expires') }),
  });
  if (output.json) output.printJson(signed);
  else output.line(`signed root version ${signed.version}: ${signed.file}`);
  return ExitCode.ok;
}

export async function runPublish(
  output: Output,
  dir: string | undefined,
  options: PublishCommandOptions,
): Promise<number> {
  const registry = registryLocation(dir);
  const tree = resolve(options.out);
  const published = await publishRegistry({
    registry,
    tree,
    keys: resolve(options.keys),
    expiresDays: rolePairs(options.expires ?? [], '--expires', ['targets', 'snapshot', 'timestamp']),
    check: (kind, value, file) => {
      const problem = schemaCheck(kind, value)[0];
      if (problem !== undefined) {
        throw new RomctlError(`not a valid ${kind} document: ${problem}`, {
          where: file,
          hint: 'fix it (romctl registry lint) before publishing',
        });
      }
    },
  });
  if (output.json) output.printJson({ tree, ...published });
  else {
    output.line(
      `published version ${published.version}: ${published.documents} documents, ${published.firmware} firmware files pinned (${tree})`,
    );
  }
  return ExitCode.ok;
}
