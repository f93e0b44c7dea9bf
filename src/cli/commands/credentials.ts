import type { Command } from 'commander';
import type { Credentials } from '../../engine/flash-session.js';
import { readSlaKey } from '../../engine/sla.js';
import { readUserFile } from '../input.js';

export interface CredentialOptions {
  auth?: string;
  slaKey?: string;
}

/** --auth and --sla-key, for the commands that talk to a phone's boot ROM */
export function addCredentialOptions(command: Command): Command {
  return command
    .option('--auth <file>', 'DAA phones: the vendor auth file (.auth) the boot ROM must see before the DA')
    .option(
      '--sla-key <file>',
      "SLA phones: the vendor's RSA private key (PEM) that answers the boot ROM's challenge",
    );
}

export async function readCredentials(options: CredentialOptions): Promise<Credentials> {
  return {
    auth: options.auth === undefined ? null : await readUserFile(options.auth, 'auth file'),
    slaKey:
      options.slaKey === undefined
        ? null
        : readSlaKey(await readUserFile(options.slaKey, 'SLA key'), options.slaKey),
  };
}
