import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  buildReport,
  collectFacts,
  DEVICE_RULES,
  PACKAGE_RULES,
  type PackageFacts,
} from '../../check/index.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { parsePreloader } from '../../formats/preloader/index.js';
import {
  deviceFactsFor,
  openRegistry,
  toYamlText,
  type Bundle,
  type BundleContent,
  type BundleFile,
} from '../../registry/index.js';
import { asUserFileError } from '../input.js';
import type { Output } from '../output.js';
import type { RegistryAddOptions } from './registry.js';

export async function hashFile(path: string): Promise<{ size: number; sha256: string; md5: string }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      sha256.update(chunk as Buffer);
      md5.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    throw asUserFileError(error, path, 'package');
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

/** The EMI block of a preloader; a preloader romctl cannot read is still hashed, just without its ids. */
function readBloader(bytes: Uint8Array, path: string) {
  try {
    return parsePreloader(bytes, { fileName: path }).bloader;
  } catch (error) {
    if (error instanceof RomctlError) return null;
    throw error;
  }
}

/** Scatter, preloader (with its EMI ids) and per-image hashes: what lets a package be recognised after unpacking. */
function contentOf(facts: PackageFacts): BundleContent {
  const content: BundleContent = {};
  const scatter = facts.scatter;
  if (scatter) {
    content.scatter = {
      file: scatter.path,
      ...(scatter.model.platform ? { platform: scatter.model.platform } : {}),
      ...(scatter.model.project ? { project: scatter.model.project } : {}),
      storage: scatter.model.layouts.map((layout) => layout.storage ?? '?').join('+'),
    };
  }
  const images: Record<string, string> = {};
  for (const image of facts.images.values()) {
    images[image.path] = image.sha256;
    if (image.preloaderBytes && !content.preloader) {
      const bloader = readBloader(image.preloaderBytes, image.path);
      content.preloader = {
        file: image.path,
        sha256: image.sha256,
        ...(bloader?.project ? { project: bloader.project } : {}),
        emiIds: (bloader?.records ?? []).flatMap((record) =>
          record.id && record.package !== 'discrete' ? [record.id] : [],
        ),
      };
    }
  }
  if (Object.keys(images).length > 0) content.images = images;
  return content;
}

const idFrom = (text: string) =>
  text
    .replace(/\.(zip|tgz|tar\.gz|tar)$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+/, '');

export async function runRegistryAdd(
  output: Output,
  codename: string,
  path: string,
  options: RegistryAddOptions,
): Promise<number> {
  const registry = await openRegistry({ dir: options.registry });
  const { profile, facts: device } = await deviceFactsFor(registry, codename);
  const info = await stat(path).catch((error: unknown) => {
    throw asUserFileError(error, path, 'package');
  });
  if (!info.isFile()) {
    throw new RomctlError('a bundle is one downloadable file: give the zip or tgz, not a folder', {
      where: path,
      hint: 'pack the folder, or add the archive it came from',
    });
  }
  const facts = await collectFacts(path);
  facts.device = device;
  const report = buildReport(facts, [...PACKAGE_RULES, ...DEVICE_RULES]);
  for (const finding of report.findings.filter((f) => f.severity !== 'info')) {
    output.note(`${finding.severity}: ${finding.code} ${finding.message}`);
  }
  if (report.verdict === 'refuse') {
    if (output.json) {
      output.printJson({ written: false, verdict: 'refuse', findings: report.findings });
      return ExitCode.refused;
    }
    output.line(
      output.style.red(
        `refused: romctl check finds errors in ${path} for ${profile.codename}; no bundle written`,
      ),
    );
    return ExitCode.refused;
  }
  const id = idFrom(options.id ?? options.release ?? basename(path));
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
    throw new RomctlError(`'${id}' cannot be a bundle id`, {
      hint: 'give --id with letters, digits, dot, dash or underscore',
    });
  }
  const hashes = await hashFile(path);
  const file: BundleFile = {
    name: basename(path),
    size: hashes.size,
    sha256: hashes.sha256,
    md5: hashes.md5,
    urls: options.url ?? [],
  };
  const bundle: Bundle = {
    id,
    codename: profile.codename,
    version: options.release ?? id,
    kind: facts.evidence.some((line) => /MiFlash|fastboot/i.test(line))
      ? 'fastboot-scatter'
      : 'sp-flash-tool',
    files: [file],
    content: contentOf(facts),
    source: `romctl registry add ${basename(path)} (${new Date().toISOString().slice(0, 10)})`,
  };
  const dir = join(registry.root, 'bundles', profile.codename);
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${id}.yaml`);
  await writeFile(
    target,
    toYamlText(bundle, 'written by romctl registry add: review it, then run romctl registry index'),
  );
  if (output.json) output.printJson({ written: true, file: target, bundle });
  else output.line(`wrote ${target}`);
  if (file.urls.length === 0)
    output.note('no --url given: add where the package can be downloaded before publishing');
  return ExitCode.ok;
}
