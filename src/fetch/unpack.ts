import {
  constants,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { RomctlError } from '../errors.js';
import { extractPackage, openPackage } from '../package/index.js';
import type { Bundle } from '../registry/model.js';
import { sha256OfFile } from './hashing.js';
import { downloadError } from './source-error.js';

/** A downloaded file of a bundle, verified, in the cache. */
export interface BundleArchive {
  name: string;
  path: string;
  sha256: string;
  /** bytes it unpacks to, when the bundle declares it: more is refused */
  unpackedSize?: number;
}

export interface UnpackOptions {
  /**
   * The last say before the folder counts as verified (the package check for the device): called with the
   * unpacked folder, not yet marked; false refuses it.
   */
  accept?: (folder: string) => Promise<boolean>;
  /** keep a refused folder under `<folder>.refused-<time>` (never reused) instead of deleting it */
  keepRefused?: boolean;
  /** free space that must remain while unpacking */
  keepFreeBytes?: number;
}

export interface UnpackResult {
  folder: string;
  /** the folder was already there, made from the same downloads, and its content hashes still match */
  reused: boolean;
  /** the files whose sha256 the bundle lists and that were checked, relative to the folder */
  verified: string[];
  /** set when `accept` said no: the folder is gone, or kept at `keptAt` */
  refused?: { keptAt?: string };
}

/** written last into an unpacked bundle, only once it is verified and accepted: what it was made from */
export const BUNDLE_MARKER = '.romctl-bundle.json';
/** written into a refused folder kept for inspection */
export const REFUSED_MARKER = '.romctl-refused.json';
/** `<folder>.refused-<time>`: a refused bundle folder kept for inspection */
export const REFUSED_INFIX = '.refused-';
/** the name of the work folder an unpack builds in, beside the bundle's folder */
export const STAGING_INFIX = '.unpack-';

interface Marker {
  codename: string;
  bundle: string;
  archives: string[];
}

const ARCHIVE_NAME = /\.(zip|tgz|tar|tar\.gz|tar\.md5)$/i;

/**
 * Unpacks a bundle's downloads into `folder`: archives are extracted (safely, by extractPackage, within what
 * the bundle declares and the disk can take), other files copied beside them, then every content hash the
 * bundle lists is checked and `accept` asked, and only then is the marker written and the result renamed into
 * place. A failure leaves nothing behind; it is an integrity failure (exit 3). A folder already made from the
 * same downloads is reused when its content still verifies and is still accepted, made again when it does not
 * verify, and removed (or set aside) when it is no longer accepted.
 */
export async function unpackBundle(
  bundle: Bundle,
  archives: readonly BundleArchive[],
  folder: string,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const marker: Marker = {
    codename: bundle.codename,
    bundle: bundle.id,
    archives: archives.map((archive) => archive.sha256).sort(),
  };
  const accept = options.accept ?? (() => Promise.resolve(true));
  if (await exists(folder)) {
    const verified = await reusable(bundle, marker, folder);
    if (verified && (await accept(folder))) {
      const now = new Date();
      await utimes(join(folder, BUNDLE_MARKER), now, now);
      return { folder, reused: true, verified };
    }
    // out of the way first: an interruption from here on leaves a work folder, which the next run removes
    const old = await makeStaging(folder);
    await rename(folder, join(old, 'content'));
    try {
      if (verified) {
        await rm(join(old, 'content', BUNDLE_MARKER));
        const refused = await setAside(join(old, 'content'), folder, bundle, options);
        return { folder, reused: true, verified, refused };
      }
    } finally {
      await rm(old, { recursive: true, force: true });
    }
  }
  const staging = await makeStaging(folder);
  try {
    const content = join(staging, 'content');
    await place(archives, content, options.keepFreeBytes);
    const verified = await verifyContent(bundle, content);
    if (!(await accept(content))) {
      return { folder, reused: false, verified, refused: await setAside(content, folder, bundle, options) };
    }
    await writeFile(join(content, BUNDLE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    await rename(content, folder);
    return { folder, reused: false, verified };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A new work folder beside `folder`, named so that the next run knows whose it is. */
async function makeStaging(folder: string): Promise<string> {
  const parent = dirname(folder);
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `.${basename(folder)}${STAGING_INFIX}`));
}

/** A refused folder is deleted, or with keepRefused renamed to a name no later run takes for a bundle. */
async function setAside(
  from: string,
  folder: string,
  bundle: Bundle,
  options: UnpackOptions,
): Promise<{ keptAt?: string }> {
  if (options.keepRefused !== true) {
    await rm(from, { recursive: true, force: true });
    return {};
  }
  const keptAt = `${folder}${REFUSED_INFIX}${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const note = { codename: bundle.codename, bundle: bundle.id, refused: 'the package check refused it' };
  await writeFile(join(from, REFUSED_MARKER), `${JSON.stringify(note, null, 2)}\n`);
  await rename(from, keptAt);
  return { keptAt };
}

/** The verified files of an existing folder made from these downloads, or undefined (not ours, stale, damaged). */
async function reusable(bundle: Bundle, wanted: Marker, folder: string): Promise<string[] | undefined> {
  const text = await readFile(join(folder, BUNDLE_MARKER), 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new RomctlError('the bundle folder exists but was not made by romctl fetch', {
      where: folder,
      hint: 'move it away or choose another --out folder',
    });
  }
  let found: Partial<Marker>;
  try {
    found = JSON.parse(text) as Partial<Marker>;
  } catch {
    return undefined;
  }
  if (JSON.stringify(found.archives) !== JSON.stringify(wanted.archives)) return undefined;
  try {
    return await verifyContent(bundle, folder);
  } catch (error) {
    if (error instanceof RomctlError) return undefined;
    throw error;
  }
}

/** One archive lands at the top of `content`, several in a folder each; other files are copied beside them. */
async function place(
  archives: readonly BundleArchive[],
  content: string,
  keepFreeBytes: number | undefined,
): Promise<void> {
  const packed = archives.filter((archive) => ARCHIVE_NAME.test(safeName(archive.name)));
  if (packed.length !== 1) await mkdir(content);
  for (const archive of packed) {
    const destination = packed.length === 1 ? content : join(content, archive.name.replace(ARCHIVE_NAME, ''));
    await extract(archive, destination, keepFreeBytes);
  }
  for (const file of archives.filter((archive) => !packed.includes(archive))) {
    await copyFile(file.path, join(content, file.name), constants.COPYFILE_EXCL);
  }
}

async function extract(
  archive: BundleArchive,
  destination: string,
  keepFreeBytes: number | undefined,
): Promise<void> {
  const view = await openPackage(archive.path).catch((error: unknown) => {
    throw asIntegrityError(error, archive);
  });
  try {
    await extractPackage(view, destination, {
      ...(archive.unpackedSize === undefined ? {} : { expectedBytes: archive.unpackedSize }),
      ...(keepFreeBytes === undefined ? {} : { keepFreeBytes }),
    });
  } catch (error) {
    throw asIntegrityError(error, archive);
  } finally {
    await view.close();
  }
}

function safeName(name: string): string {
  if (name === '' || name !== basename(name) || name.includes('\\') || name.startsWith('.')) {
    throw downloadError('the bundle names a file that is not a plain file name', {
      where: name,
      hint: 'the registry entry is broken; tell its maintainer',
    });
  }
  return name;
}

/**
 * A downloaded package that cannot be unpacked is damaged or hostile: an integrity failure, not the user's
 * input. It is named by its file name, not by its path in the cache.
 */
function asIntegrityError(error: unknown, archive: BundleArchive): unknown {
  if (!(error instanceof RomctlError)) return error;
  return downloadError(error.message, {
    where: error.where?.replace(archive.path, archive.name) ?? archive.name,
    hint: error.hint ?? 'the download is damaged or hostile; do not use it',
    cause: error,
  });
}

/**
 * Checks the scatter, preloader and image hashes the bundle lists. A listed name is looked up as a path inside
 * the folder, else as a file name anywhere in it (every file of that name must match).
 */
async function verifyContent(bundle: Bundle, folder: string): Promise<string[]> {
  const content = bundle.content;
  if (!content) return [];
  const expected: [file: string, sha256: string][] = [
    ...(content.scatter?.sha256 === undefined
      ? []
      : [[content.scatter.file, content.scatter.sha256] as [string, string]]),
    ...(content.preloader === undefined
      ? []
      : [[content.preloader.file, content.preloader.sha256] as [string, string]]),
    ...Object.entries(content.images ?? {}),
  ];
  if (expected.length === 0) return [];
  const files = await listFiles(folder);
  const verified: string[] = [];
  for (const [file, sha256] of expected) {
    const wanted = file.replace(/\\/g, '/');
    const exact = files.filter((path) => path === wanted);
    const matches = exact.length > 0 ? exact : files.filter((path) => basename(path) === basename(wanted));
    if (matches.length === 0) {
      throw downloadError(`the bundle lists ${file}, but the package has no such file`, {
        where: bundle.id,
        hint: 'the download is not the package the registry describes; do not flash it',
      });
    }
    for (const path of matches) {
      const actual = await sha256OfFile(join(folder, path));
      if (actual !== sha256.toLowerCase()) {
        throw downloadError(`wrong sha256: got ${actual}, the bundle says ${sha256}`, {
          where: `${bundle.id}!${path}`,
          hint: 'the package does not hold the file the registry vouches for; do not flash it',
        });
      }
      verified.push(path);
    }
  }
  return verified;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
