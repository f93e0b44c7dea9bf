/**
 * One memory-matching truth (reference §5.5): for every corpus preloader and a set of memories, `romctl check`,
 * the engine's connect-time check (a real session with the simulated phone's DA, in BROM mode) and the simulated
 * phone's boot from that preloader give the same answer — boots or not.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreloaderFacts } from '../../src/check/facts.js';
import { coverageFinding } from '../../src/check/rules/preloader-memory.js';
import { readPreloaderFacts } from '../../src/check/preloader-facts.js';
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { emiBlockFromPreloader } from '../../src/engine/da/emi-block.js';
import { openFlashSession } from '../../src/engine/flash-session.js';
import { ConnectTimeMemoryCheck } from '../../src/engine/memory-check.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { RomctlError } from '../../src/errors.js';
import {
  buildPreloader,
  type EmiRecord,
  type MemorySpec,
  type PreloaderInfo,
} from '../../src/formats/preloader/index.js';
import { chipForPlatform, type ChipInfo } from '../../src/knowledge/chips.js';
import { preloaderPlatform } from '../../src/knowledge/preloader-chip.js';
import { simDaServer } from '../../src/sim/da-server.js';
import { decideBoot, resolveSimProfile, SimPhone, SimStorage } from '../../src/sim/index.js';
import type { SimProfile } from '../../src/sim/profiles.js';
import { corpusDir, corpusFiles } from './corpus-helpers.js';

const MiB = 1n << 20n;
// made in a hook, which does not run when the corpus is absent and every test is skipped
let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'romctl-agree-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files = [...corpusFiles('preloader'), ...corpusFiles('emi')];

/** the memory a record describes (what a phone built with it has), and one that differs from it */
function memoriesOf(record: EmiRecord, info: PreloaderInfo): Array<{ label: string; spec: MemorySpec }> {
  const ufsBoot = /^UFS/.test(info.bootHeader?.identifier ?? '');
  const kind = record.package === 'ufs' || (record.package === 'discrete' && ufsBoot) ? 'ufs' : 'emmc';
  const id = (record.id ?? '').padEnd(32, '7').slice(0, 32);
  const ranks = record.rankSizes?.some((r) => r > 0n)
    ? record.rankSizes.filter((r) => r > 0n)
    : [512n * MiB, 512n * MiB];
  const own: MemorySpec = {
    storage: { kind, id: /^[0-9a-f]{32}$/.test(id) ? id : '15010052483634'.padEnd(32, '7') },
    dram: record.dram === 'unknown' ? 'LPDDR3' : record.dram,
    dramVendorId: record.dramVendorId ?? 0x01,
    rankSizes: ranks,
  };
  const flip = (hex: string) => (hex.slice(0, 2) === 'fe' ? '11' : 'fe') + hex.slice(2);
  const other: MemorySpec = {
    storage: { kind, id: flip(own.storage!.id) },
    dram: own.dram,
    dramVendorId: own.dramVendorId === 0xff ? 0x06 : 0xff,
    rankSizes: ranks.map((r) => r * 2n),
  };
  return [
    { label: 'its own record', spec: own },
    { label: 'another part', spec: other },
  ];
}

function profileFor(chip: ChipInfo, memory: MemorySpec): SimProfile {
  const generic = resolveSimProfile('generic');
  return {
    ...generic,
    codename: 'agreement',
    chip,
    storage: {
      kind: memory.storage!.kind as 'emmc' | 'ufs',
      id: memory.storage!.id,
      layout: { boot1: 4 * 1024 * 1024, boot2: 4 * 1024 * 1024, rpmb: 512 * 1024, user: 64 * 1024 * 1024 },
    },
    dram: { type: memory.dram!, vendorId: memory.dramVendorId!, rankSizes: memory.rankSizes! },
  };
}

/** what goes to boot1: the file itself, or for a bare EMI block a generated preloader carrying that block */
function bootable(info: PreloaderInfo, bytes: Uint8Array): Uint8Array {
  if (info.kind !== 'emi-block') return bytes;
  const bloader = info.bloader!;
  return buildPreloader({
    fileName: bloader.fileName,
    bloaderVersion: bloader.version,
    records: [],
    bloaderBlock: bytes.subarray(bloader.offset),
  });
}

/**
 * A flash session's connect-time check, the phone in BROM mode so its DA trains DRAM with the package records.
 * One simulated board serves every run; `fit` puts the memory part (and chip) of the next run on it.
 */
async function engineSays(
  phone: SimPhone,
  fit: (profile: SimProfile) => void,
  facts: PreloaderFacts,
  bytes: Uint8Array,
  profile: SimProfile,
): Promise<boolean> {
  fit(profile);
  const [host, link] = createMemoryPair();
  const served = phone.serve(link);
  const memory = new ConnectTimeMemoryCheck(facts, [], 'sim');
  try {
    const session = await openFlashSession({
      transport: host,
      daFile: buildDaContainer({
        entries: [
          {
            hwCode: profile.chip.daCode,
            protocol: profile.chip.daProtocol === 'legacy' ? 'legacy' : 'xflash',
          },
        ],
      }),
      emiBlock: emiBlockFromPreloader(bytes, facts.path).block,
      expect: { device: 'agreement' },
      checkMemory: memory.check,
    });
    const answer = memory.verdict(session.dramCheckedWithPackage ? 'trained' : 'not-run') === 'match';
    await session.client.shutdown();
    return answer;
  } catch (error) {
    if (error instanceof RomctlError && /^preloader\.emi-no-match:/.test(error.message)) return false;
    throw error;
  } finally {
    await host.close();
    await served;
  }
}

interface Pair {
  name: string;
  facts: PreloaderFacts;
  bytes: Uint8Array;
  label: string;
  profile: SimProfile;
  check: boolean;
  boot: { mode: string; reason: string };
}

/** engine runs on BOARDS simulated boards at once: a session mostly waits on its link, not on the CPU */
const BOARDS = 6;

describe.skipIf(corpusDir('preloader') === null)(
  'one memory-matching truth over the corpus preloaders',
  () => {
    it(
      'check, engine connect-time check and simulated boot agree for every preloader × memory',
      { timeout: 300_000 },
      async () => {
        const generic = resolveSimProfile('generic');
        const blank = (): SimProfile =>
          profileFor(generic.chip, {
            storage: { kind: 'emmc', id: '0'.repeat(32) },
            dram: 'LPDDR3',
            dramVendorId: 1,
            rankSizes: [MiB],
          });
        const pairs: Pair[] = [];
        const skipped = new Map<string, number>();
        const skip = (why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1);
        const storage = await SimStorage.open(join(root, 'boot.img'), blank().storage.layout);
        try {
          for (const file of files) {
            const bytes = file.bytes();
            const facts = readPreloaderFacts(file.name, BigInt(bytes.length), bytes);
            const bloader = facts.info?.bloader;
            if (!facts.info || !bloader) {
              skip('no EMI table');
              continue;
            }
            // a preloader (or bare EMI block) that names no chip boots on the generic simulated phone
            const chip = chipForPlatform(preloaderPlatform(facts.info, null) ?? '') ?? generic.chip;
            const record = bloader.records.find((r) => r.type !== 0 && r.package !== 'nand-mcp');
            if (!record) {
              skip('only NAND records (the simulated phone has eMMC or UFS)');
              continue;
            }
            await storage.erase('boot1', 0, storage.size('boot1'));
            await storage.write('boot1', 0, bootable(facts.info, bytes));
            for (const { label, spec } of memoriesOf(record, facts.info)) {
              const profile = profileFor(chip, spec);
              const check = coverageFinding(facts, { label: 'memory', spec });
              pairs.push({
                name: file.name,
                facts,
                bytes,
                label,
                profile,
                check: check === null,
                boot: await decideBoot(profile, storage),
              });
            }
          }
        } finally {
          await storage.close();
        }
        // the engine sees only the EMI block, the chip and the memory: one session per distinct combination
        const keyOf = (pair: Pair) =>
          [
            pair.label,
            pair.profile.chip.daCode,
            createHash('sha256').update(emiBlockFromPreloader(pair.bytes).block).digest('hex'),
          ].join('|');
        const distinct = new Map(pairs.map((pair) => [keyOf(pair), pair]));
        const answered = new Map<string, boolean>();
        const queue = [...distinct.entries()];
        await Promise.all(
          Array.from({ length: BOARDS }, async () => {
            const board = blank();
            const phone = await SimPhone.create({ profile: board, daServer: simDaServer });
            try {
              for (let job = queue.shift(); job; job = queue.shift()) {
                const [key, pair] = job;
                const fit = (profile: SimProfile) => Object.assign(board, profile);
                answered.set(key, await engineSays(phone, fit, pair.facts, pair.bytes, pair.profile));
              }
            } finally {
              await phone.close();
            }
          }),
        );
        const disagreements = pairs.flatMap((pair) => {
          const answers = {
            check: pair.check,
            boot: pair.boot.mode === 'preloader',
            engine: answered.get(keyOf(pair)),
          };
          return answers.check === answers.boot && answers.check === answers.engine
            ? []
            : [`${pair.name} × ${pair.label}: ${JSON.stringify(answers)} (boot: ${pair.boot.reason})`];
        });
        const preloaders = new Set(pairs.map((p) => p.name)).size;
        console.log(
          `memory agreement: ${preloaders} preloaders, ${pairs.length} preloader × memory pairs, ` +
            `${pairs.filter((p) => p.check).length} boot, ${distinct.size} engine sessions; skipped ${JSON.stringify([...skipped])}`,
        );
        expect(disagreements).toEqual([]);
        expect(pairs.length).toBeGreaterThan(500);
      },
    );
  },
);
