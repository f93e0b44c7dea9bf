import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { buildRomFolder, defaultRomSpec, type RomSpec } from '../../src/testkit/rom-builder.js';

/** A temp folder removed after the file's tests; `rom(name, edit)` builds a package variant in it. */
export function romWorkspace(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), `romctl-${prefix}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return {
    root,
    path: (...parts: string[]) => join(root, ...parts),
    async rom(name: string, edit: (spec: RomSpec) => void = () => {}) {
      const spec = defaultRomSpec();
      edit(spec);
      return buildRomFolder(spec, join(root, name));
    },
  };
}

export function partitionOf(spec: RomSpec, name: string) {
  const partition = spec.partitions.find((candidate) => candidate.name === name);
  if (!partition) throw new Error(`no partition ${name} in the spec`);
  return partition;
}
