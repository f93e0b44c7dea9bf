import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RomctlError } from '../errors.js';
import type {
  Bundle,
  BundleHashes,
  DeviceDetail,
  DeviceProfile,
  IndexedBundle,
  IndexedDevice,
  RegistryIndex,
  SearchEntry,
} from './model.js';

import { DETAIL_DIR, detailFile, INDEX_FILE } from './location.js';
import { searchTerms } from './search.js';

export { INDEX_FILE };

function listYaml(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.ya?ml$/i.test(name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Checks a document before it is indexed (schemas for a user's registry); throws a RomctlError. */
export type DocumentCheck = (kind: 'device' | 'bundle', value: unknown, file: string) => void;

function readDocument(root: string, file: string, kind: 'device' | 'bundle', check?: DocumentCheck): unknown {
  const path = join(root, file);
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RomctlError(`cannot read this registry ${kind}: ${(error as Error).message.split('\n')[0]}`, {
      where: path,
      hint: 'run romctl registry lint on the registry folder',
      cause: error,
    });
  }
  check?.(kind, value, path);
  return value;
}

const STRENGTH: BundleHashes[] = ['none', 'md5-prefix', 'md5', 'sha256'];

/** The weakest check any file of the bundle allows. */
export function bundleHashes(bundle: Bundle): BundleHashes {
  let weakest = bundle.files.length === 0 ? 0 : STRENGTH.length - 1;
  for (const file of bundle.files) {
    const strength = file.sha256 ? 3 : file.md5 ? 2 : file.md5Prefix ? 1 : 0;
    weakest = Math.min(weakest, strength);
  }
  return STRENGTH[weakest] as BundleHashes;
}

/** The search/listing summary of one device document and its bundle folder. */
export function indexEntry(root: string, file: string, profile: DeviceProfile, check?: DocumentCheck): IndexedDevice {
  const bundleDir = `bundles/${profile.codename}`;
  const bundles: IndexedBundle[] = listYaml(join(root, bundleDir)).map((name) => {
    const bundle = readDocument(root, `${bundleDir}/${name}`, 'bundle', check) as Bundle;
    return {
      id: bundle.id,
      file: `${bundleDir}/${name}`,
      version: bundle.version,
      kind: bundle.kind,
      region: bundle.region ?? null,
      branch: bundle.branch ?? null,
      date: bundle.date ?? null,
      content: bundle.content !== undefined,
      hashes: bundleHashes(bundle),
    };
  });
  const entry = {
    codename: profile.codename,
    file,
    aliases: profile.aliases ?? [],
    names: profile.names ?? [],
    vendor: profile.vendor ?? null,
    platform: profile.platform,
    chip: profile.chip ?? null,
    hwCode: profile.hwCode ?? null,
  };
  return { ...entry, terms: searchTerms(entry), bundles, profile };
}

/** Every device of a registry folder with its detail, as the index files are written from it. */
export interface BuiltIndex {
  devices: IndexedDevice[];
}

/** Reads every device and bundle document of a registry folder, checking each with `check` when given. */
export function buildIndex(root: string, check?: DocumentCheck): BuiltIndex {
  const devices = listYaml(join(root, 'devices')).map((name) => {
    const file = `devices/${name}`;
    return indexEntry(root, file, readDocument(root, file, 'device', check) as DeviceProfile, check);
  });
  return { devices };
}

export function searchEntry(device: IndexedDevice): SearchEntry {
  const { codename, file, aliases, names, vendor, platform, chip, hwCode, terms } = device;
  const lookAlikes = (device.profile.lookAlikes ?? []).map((alike) => alike.codename);
  return {
    codename,
    file,
    aliases,
    names,
    vendor,
    platform,
    chip,
    hwCode,
    ...(lookAlikes.length > 0 ? { lookAlikes } : {}),
    terms,
  };
}

/** The slim index.json text. */
export function indexText(built: BuiltIndex): string {
  const index: RegistryIndex = { version: 2, devices: built.devices.map(searchEntry) };
  return `${JSON.stringify(index)}\n`;
}

/** The index files of a registry: index.json and one index/<codename>.json per device, by relative path. */
export function indexFiles(built: BuiltIndex): Map<string, string> {
  const files = new Map([[INDEX_FILE, indexText(built)]]);
  for (const { profile, bundles, codename } of built.devices) {
    const detail: DeviceDetail = { profile, bundles };
    files.set(detailFile(codename), `${JSON.stringify(detail)}\n`);
  }
  return files;
}

/** Writes the index files into a registry folder, removing details of devices it no longer has. */
export function writeIndexFiles(root: string, built: BuiltIndex): void {
  const files = indexFiles(built);
  mkdirSync(join(root, DETAIL_DIR), { recursive: true });
  for (const name of readdirSync(join(root, DETAIL_DIR))) {
    if (!files.has(`${DETAIL_DIR}/${name}`)) rmSync(join(root, DETAIL_DIR, name));
  }
  for (const [file, text] of files) writeFileSync(join(root, file), text);
}

export { listYaml };
