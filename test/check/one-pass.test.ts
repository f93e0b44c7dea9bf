import { describe, expect, it } from 'vitest';
import { collectFromView } from '../../src/check/index.js';
import type { ReadEvent } from '../../src/check/collect.js';
import { openPackage, type EntryVisitor, type PackageView } from '../../src/package/index.js';
import { packFolder } from '../../src/testkit/pack.js';
import { romWorkspace } from './helpers.js';

const work = romWorkspace('one-pass');

/** Wraps a real view and counts how often each entry is opened and how many bytes flow out of it. */
function counting(view: PackageView) {
  const visits = new Map<string, number>();
  const bytes = new Map<string, number>();
  const wrapped: PackageView = Object.create(view) as PackageView;
  const count = (path: string, stream: NodeJS.ReadableStream) => {
    visits.set(path, (visits.get(path) ?? 0) + 1);
    stream.on('data', (chunk: Buffer) => bytes.set(path, (bytes.get(path) ?? 0) + chunk.length));
  };
  wrapped.open = async (path) => {
    const stream = await view.open(path);
    count(path, stream);
    return stream;
  };
  wrapped.forEach = (visitor: EntryVisitor, filter) =>
    view.forEach(async (entry, stream) => {
      count(entry.path, stream);
      await visitor(entry, stream);
    }, filter);
  return { wrapped, visits, bytes };
}

describe('the check reads every image exactly once', () => {
  for (const format of ['folder', 'zip', 'tgz'] as const) {
    it(`in a ${format}`, async () => {
      const rom = await work.rom(`rom-${format}`);
      const path =
        format === 'folder' ? rom.dir : await packFolder(rom.dir, work.path(`rom.${format}`), format);
      const view = await openPackage(path);
      const { wrapped, visits, bytes } = counting(view);
      const facts = await collectFromView(wrapped);
      await view.close();

      const distinctFiles = new Map(rom.files.map((file) => [file.path.slice(rom.dir.length + 1), file]));
      for (const [name, file] of distinctFiles) {
        expect(visits.get(name), name).toBe(1);
        expect(bytes.get(name), name).toBe(file.size);
        expect(facts.images.get(name)?.sha256, name).toBe(file.sha256);
        expect(facts.images.get(name)?.byteSum16, name).toBe(file.byteSum16);
      }
      // besides the images only the scatter and Checksum.ini are read, once each
      expect([...visits.keys()].filter((name) => !distinctFiles.has(name)).sort()).toEqual([
        'Checksum.ini',
        'MT6797_Android_scatter.txt',
      ]);
    });
  }
});

describe('the check reports its reading, for the progress display', () => {
  it('lists the images first, then bytes up to each size, then each one done', async () => {
    const view = await openPackage((await work.rom('heard')).dir);
    const events: ReadEvent[] = [];
    try {
      await collectFromView(view, { onRead: (event) => events.push(event) });
    } finally {
      await view.close();
    }
    const first = events[0];
    if (first?.type !== 'files') throw new Error(`first event: ${first?.type}`);
    expect(first.files.length).toBeGreaterThan(5);
    for (const file of first.files) {
      const bytes = events.filter((e) => e.type === 'bytes' && e.path === file.path);
      expect(bytes.at(-1)).toMatchObject({ bytes: file.size, size: file.size });
      expect(events.filter((e) => e.type === 'done' && e.path === file.path)).toHaveLength(1);
    }
  });
});
