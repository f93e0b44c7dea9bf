import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, RomctlError, type ExitCodeValue } from '../errors.js';
import type { DocumentCheck } from './index-file.js';
import { detailFile, givenRegistry, INDEX_FILE, isRegistryUrl, registryLocation } from './location.js';
import type { Bundle, DeviceDetail, DeviceProfile, IndexedDevice, RegistryIndex, SearchEntry } from './model.js';

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

/** How a registry reads a device's detail and checks its documents; every part has a folder default. */
export interface RegistryParts {
  /** where documents come from; default the registry folder */
  source?: DocumentSource;
  /** the schema check for documents read as YAML (loaded on first use); none for a trusted folder */
  check?: () => Promise<DocumentCheck>;
  /** a device's profile and releases; default `index/<codename>.json` from the source, checked by `checkDetail` */
  detail?: (entry: SearchEntry) => Promise<DeviceDetail>;
  /** checks a detail document read from the source (remote registries); throws a RomctlError */
  checkDetail?: (entry: SearchEntry, value: unknown, where: string) => DeviceDetail;
  /** set for a registry read through signed metadata (src/fetch/signed-registry.ts) */
  signed?: SignedTargets;
}

/**
 * A registry read lazily: the slim index (index.json) answers search and lookup; a device's profile and
 * releases (index/<codename>.json) are read only when that device is asked for, and a bundle's YAML only when
 * it is fetched. Neither the YAML parser nor the schema compiler is on the path of `search` and `info`. The
 * embedded registry is checked by `romctl registry lint` (run by the tests); `romctl registry index` checks
 * the documents it indexes; a folder without an index is checked against the schemas as it is read.
 */
export class Registry {
  private details = new Map<string, Promise<IndexedDevice>>();
  private yaml: typeof import('yaml') | undefined;
  private readonly source: DocumentSource;
  readonly signed: SignedTargets | undefined;

  constructor(
    readonly root: string,
    readonly index: RegistryIndex,
    private readonly parts: RegistryParts = {},
  ) {
    this.source = parts.source ?? folderSource(root);
    this.signed = parts.signed;
  }

  devices(): readonly SearchEntry[] {
    return this.index.devices;
  }

  /** The index entry for a codename or alias (case-insensitive), or undefined. */
  find(name: string): SearchEntry | undefined {
    const wanted = name.toLowerCase();
    return (
      this.index.devices.find((device) => device.codename.toLowerCase() === wanted) ??
      this.index.devices.find((device) => device.aliases.some((alias) => alias.toLowerCase() === wanted))
    );
  }

  /** The device with its profile and releases (read once). */
  entry(entry: SearchEntry): Promise<IndexedDevice> {
    let full = this.details.get(entry.codename);
    if (!full) {
      full = (this.parts.detail ?? ((wanted) => this.readDetail(wanted)))(entry).then((detail) => ({
        ...entry,
        ...detail,
      }));
      this.details.set(entry.codename, full);
    }
    return full;
  }

  async device(entry: SearchEntry): Promise<DeviceProfile> {
    return (await this.entry(entry)).profile;
  }

  async bundle(entry: SearchEntry, id: string): Promise<Bundle> {
    const indexed = (await this.entry(entry)).bundles.find((bundle) => bundle.id === id);
    if (!indexed) throw new RomctlError(`${entry.codename} has no bundle ${id}`, { where: this.root });
    return (await this.readYaml(indexed.file, 'bundle')) as Bundle;
  }

  private async readDetail(entry: SearchEntry): Promise<DeviceDetail> {
    const file = detailFile(entry.codename);
    const where = this.source.where(file);
    let value: unknown;
    try {
      value = JSON.parse(await this.source.read(file));
    } catch (error) {
      if (error instanceof RomctlError) throw error;
      throw new RomctlError(`cannot read the device's index entry: ${(error as Error).message.split('\n')[0]}`, {
        where,
        exitCode: this.source.invalidExit,
        hint: 'the index is missing or stale: run romctl registry index on the registry folder',
        cause: error,
      });
    }
    const detail = this.parts.checkDetail ? this.parts.checkDetail(entry, value, where) : (value as DeviceDetail);
    if (this.parts.check && !this.parts.source && this.editedSinceIndexed(entry)) {
      // a user's folder whose profile was edited after `registry index`: the YAML is the truth
      return { ...detail, profile: (await this.readYaml(entry.file, 'device')) as DeviceProfile };
    }
    return detail;
  }

  private editedSinceIndexed(entry: SearchEntry): boolean {
    const modified = (file: string) => statSync(join(this.root, file), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    return modified(entry.file) > modified(detailFile(entry.codename));
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
    if (this.parts.check) (await this.parts.check())(kind, value, path);
    return value;
  }
}

function readIndex(root: string): RegistryIndex | undefined {
  try {
    const index = JSON.parse(readFileSync(join(root, INDEX_FILE), 'utf8')) as RegistryIndex;
    if (index.version !== 2 || !Array.isArray(index.devices)) throw new Error('not a version 2 registry index');
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
  const index = readIndex(root);
  if (index !== undefined) {
    return new Registry(root, index, userGiven ? { check: schemaChecker } : {});
  }
  // no index: the folder is read and checked now, and its details kept in memory
  const check = userGiven ? await schemaChecker() : undefined;
  const { buildIndex, searchEntry } = await import('./index-file.js');
  const built = buildIndex(root, check);
  const byCodename = new Map(built.devices.map((device) => [device.codename, device]));
  return new Registry(
    root,
    { version: 2, devices: built.devices.map(searchEntry) },
    {
      ...(check ? { check: async () => check } : {}),
      detail: async (entry) => byCodename.get(entry.codename) as IndexedDevice,
    },
  );
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
