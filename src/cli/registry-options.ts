import type { Command } from 'commander';
import { INSECURE_WARNING } from '../registry/trust/report.js';
import { givenRegistry, isRegistryUrl } from '../registry/location.js';
import type { OpenRegistryOptions } from '../registry/registry.js';
import type { Output } from './output.js';

/** `--registry`, `--registry-root`, `--insecure-registry` of the commands that read a registry. */
export interface RegistryReadOptions {
  registry?: string;
  registryRoot?: string;
  insecureRegistry?: boolean;
}

/** What openRegistry needs from those flags; an unsigned URL registry is announced loudly on stderr. */
export function registryReadOptions(
  output: Output,
  options: RegistryReadOptions,
  env: NodeJS.ProcessEnv = process.env,
): OpenRegistryOptions & { insecure: boolean } {
  const given = givenRegistry(options.registry, env);
  const insecure = given !== undefined && isRegistryUrl(given) && options.insecureRegistry === true;
  if (insecure) output.note(output.style.red(INSECURE_WARNING));
  return {
    ...(given === undefined ? {} : { dir: given }),
    ...(options.registryRoot === undefined ? {} : { trustedRoot: options.registryRoot }),
    insecure,
  };
}

/** Adds `--registry`, `--registry-root` and `--insecure-registry` to a command that reads a registry. */
export function withRegistryOptions(
  command: Command,
  registryHelp = 'a registry folder or URL instead of the embedded one (also ROMCTL_REGISTRY)',
): Command {
  return command
    .option('--registry <dir|url>', registryHelp)
    .option(
      '--registry-root <file>',
      'the TUF root.json trusted for a URL registry (also ROMCTL_REGISTRY_ROOT; default the one romctl ships)',
    )
    .option(
      '--insecure-registry',
      'read a URL registry that publishes no signed metadata (trusted like its server)',
    );
}
