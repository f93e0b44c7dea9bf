import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BromClient } from '../../src/engine/brom.js';
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { XFlashClient } from '../../src/engine/da/xflash.js';
import { openFlashSession } from '../../src/engine/flash-session.js';
import { RecordingTransport } from '../../src/engine/transport/recording.js';
import { RomctlError } from '../../src/errors.js';
import { resolveSimProfile } from '../../src/sim/profiles.js';
import { simDaServer } from '../../src/sim/da-server.js';
import { bench } from '../sim/fixtures.js';

const corpusDa = fileURLToPath(new URL('../../../shared/corpus/da/', import.meta.url));
const realDa = (name: string) => new Uint8Array(readFileSync(corpusDa + name));

/** a blank phone (BROM mode) of a chip, from a profile spec */
const specPhone = (chip: string, targetConfig = 0) => ({
  ...resolveSimProfile(`${chip}:emmc:150100514533324d4201a1b2c3d4e5f1:lpddr3:0x01:2x1G`),
  targetConfig,
});

async function errorOf(run: Promise<unknown>): Promise<RomctlError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RomctlError);
  return error as RomctlError;
}

describe.skipIf(!existsSync(corpusDa))(
  'SEND_DA with real Download Agents (skipped when ../shared/corpus/da is absent)',
  () => {
    it('the Tecno MT6580 DA: region[1] reaches the phone — 0x11380 bytes for 0x200000, signature 0x100', async () => {
      const b = await bench({ profile: specPhone('mt6580'), daServer: simDaServer });
      const error = await errorOf(
        openFlashSession({
          transport: b.host,
          daFile: realDa('tecno_pop4air_MT6580_DA.bin'),
          daFileName: 'DA.bin',
          emiBlock: null,
          expect: { device: 'test' },
          timeoutMs: 300,
        }),
      );
      // the boot ROM took the upload; real DA code cannot run on the simulated phone, so no DA answers afterwards
      expect(b.phone.uploads).toEqual([
        { address: 0x200000, length: 0x11380, signatureLength: 0x100, status: 0 },
      ]);
      expect(error.exitCode).toBe(4);
      await b.close();
    });

    it('a V6 (XML) DA file is refused before a single byte goes to the phone', async () => {
      const b = await bench({ profile: specPhone('mt6765') });
      const wire = new RecordingTransport(b.host);
      const error = await errorOf(
        openFlashSession({
          transport: wire,
          daFile: realDa('v6_DA_BR_1172.bin'),
          daFileName: 'DA_BR.bin',
          emiBlock: null,
          expect: { device: 'test' },
        }),
      );
      expect(error.message).toMatch(
        /^da\.protocol-unsupported: the DA file \(MTK_DA_v6.*\) speaks the XML \(V6\) DA protocol/,
      );
      expect(error.exitCode).toBe(1);
      expect(wire.sent()).toHaveLength(0);
      await b.close();
    });
  },
);

describe('protocols the engine must not feed to the wrong client', () => {
  it('an XML-only chip (MT6789) is refused after identification, before SEND_DA', async () => {
    const b = await bench({ profile: specPhone('mt6789') });
    const error = await errorOf(
      openFlashSession({
        transport: b.host,
        daFile: buildDaContainer({ entries: [{ hwCode: 0x1208 }] }),
        emiBlock: null,
        expect: { device: 'test' },
      }),
    );
    expect(error.message).toMatch(
      /^da\.protocol-unsupported: the connected MT6789 speaks the XML \(V6\) DA protocol/,
    );
    expect(b.phone.uploads).toEqual([]);
    await b.close();
  });

  it('a BROM that refuses memory writes (target config 0x40) is identified anyway; the refusal is reported', async () => {
    const b = await bench({ profile: specPhone('mt6765', 0x40) });
    await b.client.handshake();
    const id = await b.client.identify();
    expect(id).toMatchObject({ watchdogDisabled: false, watchdogRefusal: 0x1d02, hwCode: 0x766 });
    expect(b.phone.registers.size).toBe(0);
    await b.close();
  });

  it('the simulated phone runs a generated DA1 only where it is linked to run', async () => {
    const b = await bench({ profile: specPhone('mt6765'), daServer: simDaServer });
    const file = buildDaContainer({ entries: [{ hwCode: 0x6765 }] });
    const { da1 } = daStages(
      file,
      pickDaEntry(parseDaContainer(file), { hwCode: 0x766, daCode: 0x6765 }),
      'xflash',
    );
    await b.client.handshake();
    await b.client.sendDa(0x50000000, da1.bytes, da1.signatureLength);
    await b.client.jumpDa(0x50000000);
    // a DA1 started at the wrong place crashes: no 0xC0 sync byte ever comes
    await expect(b.host.read(1, 300)).rejects.toThrow(/no reply/);
    await b.close();
  });

  it.each([
    ['MT6781', 0x6781, true],
    ['MT6765', 0x6765, false],
  ] as const)(
    '%s: acks and other u32 frames as one write: %s (mtkclient: only MT6781)',
    async (chip, daCode, oneWrite) => {
      const b = await bench({ profile: specPhone(chip.toLowerCase()), daServer: simDaServer });
      const file = buildDaContainer({ entries: [{ hwCode: daCode }] });
      const hwCode = b.phone.profile.chip.hwCode;
      const { da1 } = daStages(file, pickDaEntry(parseDaContainer(file), { hwCode, daCode }), 'xflash');
      const brom = new BromClient(b.host, 2000);
      await brom.handshake();
      await brom.sendDa(da1.loadAddress, da1.bytes, da1.signatureLength);
      await brom.jumpDa(da1.loadAddress);
      const wire = new RecordingTransport(b.host);
      await XFlashClient.start(wire, { daCode });
      const sizes = wire.log.filter((c) => c.direction === 'out').map((c) => c.bytes.length);
      expect(sizes.includes(16)).toBe(oneWrite);
      expect(sizes.filter((n) => n === 12).length > 0).toBe(true);
      await b.close();
    },
  );
});
