import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, RomctlError, type ExitCodeValue } from '../errors.js';
import type { DocumentCheck } from './index-file.js';
import { givenRegistry, INDEX_FILE, isRegistryUrl, registryLocation } from './location.js';
import type { Bundle, DeviceProfile, IndexedDevice, RegistryIndex } from './model.js';

export interface OpenRegistryOptions {
  /** a registry folder or URL (`--registry`); default ROMCTL_REGISTRY, then the embedded registry */
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** where a URL registry's documents are kept (`--cache`); default the download cache's folder */
  cacheDir?: string;
  /** the root.json trusted for a URL registry (`--registry-root`); default ROMCTL_REGISTRY_ROOT, then the shipped one */
  trustedRoot?: string;
  /** read a URL registry without signed metadata (`--insecure-registry`) */
  insecure?: boolean;
}

/** Where a registry's documents come from: a folder (the default) or a remote registry's mirror. */
export interface DocumentSource {
  /** the text of one document (`devices/x.yaml`) */
  read(file: string): Promise<string>;
  /** where a document comes from, for messages */
  where(file: string): string;
  /** the exit code for a document that cannot be parsed: bad input in a folder, an integrity failure remotely */
  invalidExit: ExitCodeValue;
}

function folderSource(root: string): DocumentSource {
  return {
    read: async (file) => readFileSync(join(root, file), 'utf8'),
    where: (file) => join(root, file),
    invalidExit: ExitCode.badInput,
  };
}

/** What a signed registry vouches for beyond its documents: the firmware files its targets metadata pins. */
export interface SignedTargets {
  /** the trusted root.json the registry's metadata was verified from */
  root: string;
  /** the signed length and sha256 of a target, undefined when the targets metadata does not list it */
  file(path: string): Promise<{ length: number; sha256: string } | undefined>;
}

/**
 * A registry folder, read lazily: the index (registry/index.json, or built by reading the folder when it has
 * none) answers search and listing; a device's or bundle's YAML is parsed only when asked for. The embedded
 * registry is checked by `romctl registry lint` (run by the tests); a folder given by the user is validated
 * against the schemas as its documents are read.
 */
export class Registry {
  private profiles = new Map<string, DeviceProfile>();
  private yaml: typeof import('yaml') | undefined;

  constructor(
    readonly root: string,
    readonly index: RegistryIndex,
    private readonly validate: DocumentCheck | null,
    private readonly source: DocumentSource = folderSource(root),
    /** set for a registry read through signed metadata (src/fetch/signed-registry.ts) */
    readonly signed?: SignedTargets,
  ) {}

  devices(): readonly IndexedDevice[] {
    return this.index.devices;
  }

  /** The index entry for a codename or alias (case-insensitive), or undefined. */
  find(name: string): IndexedDevice | undefined {
    const wanted = name.toLowerCase();
    return (
      this.index.devices.find((device) => device.codename.toLowerCase() === wanted) ??
      this.index.devices.find((device) => device.aliases.some((alias) => alias.toLowerCase() === wanted))
    );
  }

  async device(entry: IndexedDevice): Promise<DeviceProfile> {
    const cached = this.profiles.get(entry.codename) ?? (this.validate ? undefined : entry.profile);
    if (cached) return cached;
    const profile = (await this.readYaml(entry.file, 'device')) as DeviceProfile;
    this.profiles.set(entry.codename, profile);
    return profile;
  }

  async bundle(entry: IndexedDevice, id: string): Promise<Bundle> {
    const indexed = entry.bundles.find((bundle) => bundle.id === id);
    if (!indexed) throw new RomctlError(`${entry.codename} has no bundle ${id}`, { where: this.root });
    return (await this.readYaml(indexed.file, 'bundle')) as Bundle;
  }

  private async readYaml(file: string, kind: 'device' | 'bundle'): Promise<unknown> {
    this.yaml ??= await import('yaml');
    const path = this.source.where(file);
    let value: unknown;
    try {
      value = this.yaml.parse(await this.source.read(file));
    } catch (error) {
      if (error instanceof RomctlError) throw error;
      throw new RomctlError(`cannot read this registry ${kind}: ${(error as Error).message.split('\n')[0]}`, {
        where: path,
        exitCode: this.source.invalidExit,
        hint: 'run romctl registry lint on the registry folder',
        cause: error,
      });
    }
    this.validate?.(kind, value, path);
    return value;
  }
}

function readIndex(root: string): RegistryIndex | undefined {
  try {
    const index = JSON.parse(readFileSync(join(root, INDEX_FILE), 'utf8')) as RegistryIndex;
    if (index.version !== 1 || !Array.isArray(index.devices)) throw new Error('not a version 1 registry index');
    return index;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RomctlError(`broken ${INDEX_FILE}: ${(error as Error).message}`, {
      where: join(root, INDEX_FILE),
      hint: 'run romctl registry index to write it again',
    });
  }
}

export async function openRegistry(options: OpenRegistryOptions = {}): Promise<Registry> {
  const given = givenRegistry(options.dir, options.env);
  if (given !== undefined && isRegistryUrl(given)) {
    if (options.insecure) {
      const { openRemoteRegistry } = await import('../fetch/remote-registry.js');
      return openRemoteRegistry(given, { cacheDir: options.cacheDir, env: options.env });
    }
    const { openSignedRegistry, registryBase } = await import('../fetch/signed-registry.js');
    return openSignedRegistry(registryBase(given), {
      trustedRoot: options.trustedRoot ?? ((options.env ?? process.env).ROMCTL_REGISTRY_ROOT || undefined),
      cacheDir: options.cacheDir,
      env: options.env,
    });
  }
  const root = registryLocation(options.dir, options.env);
  const userGiven = options.dir !== undefined || Boolean((options.env ?? process.env).ROMCTL_REGISTRY);
  const check = userGiven ? await schemaChecker() : undefined;
  const index = readIndex(root) ?? (await import('./index-file.js')).buildIndex(root, check);
  return new Registry(root, index, check ?? null);
}

/** A user's registry is checked against the schemas as it is read: a broken document is bad input, not a crash. */
async function schemaChecker(): Promise<DocumentCheck> {
  const { schemaCheck } = await import('./validate.js');
  return (kind, value, file) => {
    const problems = schemaCheck(kind, value);
    if (problems.length > 0) {
      throw new RomctlError(`not a valid ${kind} document: ${problems[0]}`, {
        where: file,
        hint: 'run romctl registry lint on the registry folder',
      });
    }
  };
}
