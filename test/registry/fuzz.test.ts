import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { lintRegistry, openRegistry, searchDevices, toYamlText } from '../../src/registry/index.js';

const root = mkdtempSync(join(tmpdir(), 'romctl-registry-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const registry = await openRegistry({ env: {} });

describe('registry input never crashes', () => {
  it('search takes any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (query) => {
        expect(Array.isArray(searchDevices(registry.devices(), query))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('lint reports problems for any document, and a user registry read of it fails cleanly', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string()), async (doc) => {
        const dir = join(root, `r${run++}`);
        mkdirSync(join(dir, 'devices'), { recursive: true });
        writeFileSync(join(dir, 'devices', 'x.yaml'), typeof doc === 'string' ? doc : toYamlText(doc));
        const problems = lintRegistry(dir);
        expect(problems.every((problem) => typeof problem.message === 'string')).toBe(true);
        try {
          const opened = await openRegistry({ dir });
          for (const entry of opened.devices()) await opened.device(entry);
        } catch (error) {
          expect(error).toBeInstanceOf(RomctlError);
        }
      }),
      { numRuns: 60 },
    );
  });
});
