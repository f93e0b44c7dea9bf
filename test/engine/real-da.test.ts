import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BromClient } from '../../src/engine/brom.js';
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { XFlashClient } from '../../src/engine/da/xflash.js';
import { XmlDaClient } from '../../src/engine/da/xml.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { openFlashSession } from '../../src/engine/flash-session.js';
import { RecordingTransport } from '../../src/engine/transport/recording.js';
import { RomctlError } from '../../src/errors.js';
import { resolveSimProfile } from '../../src/sim/profiles.js';
import { simDaServer } from '../../src/sim/da-server.js';
import { bench } from '../sim/fixtures.js';
import { bringUpTrace, playDa } from './xml-trace.js';

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

    it("the V6 (XML) DA's stage 2 is what BOOT-TO streams: region[2] without its 0x100-byte signature", async () => {
      const file = realDa('v6_DA_BR_1172.bin');
      const container = parseDaContainer(file, { fileName: 'DA_BR.bin' });
      expect(container.v6).toBe(true);
      const entry = pickDaEntry(container, { hwCode: 0x1172 });
      const { da2 } = daStages(file, entry, 'xml');
      // `romctl da`'s region[2]: 0x51214 bytes at file offset 0x865fc for 0x40000000, signature 0x100
      const expected = file.subarray(0x865fc, 0x865fc + 0x51214 - 0x100);
      const [hostEnd, phone] = createMemoryPair();
      const played = playDa(phone, bringUpTrace(expected, 0x100000));
      const client = await XmlDaClient.bringUp(hostEnd, {
        da2: { bytes: da2.bytes, loadAddress: da2.loadAddress },
        checkMemory: () => {},
        timeoutMs: 2000,
      });
      await played;
      expect(client.inStage1).toBe(false);
    });

    it('the V6 (XML) DA: region[1] reaches the phone by SEND_DA, then the XML client waits for CMD:START', async () => {
      const b = await bench({ profile: specPhone('mt6895'), daServer: simDaServer });
      const error = await errorOf(
        openFlashSession({
          transport: b.host,
          daFile: realDa('v6_DA_BR_1172.bin'),
          daFileName: 'DA_BR.bin',
          emiBlock: null,
          expect: { device: 'test' },
          timeoutMs: 300,
        }),
      );
      // the values `romctl da` prints for this file (region[1]: 0x86540 bytes for 0x2000000, signature 0x100)
      expect(b.phone.uploads).toEqual([
        { address: 0x2000000, length: 0x86540, signatureLength: 0x100, status: 0 },
      ]);
      expect(error.message).toMatch(/XML DA|CMD:START|timed out|no reply/i);
      expect(error.exitCode).toBe(4);
      await b.close();
    });
  },
);

describe('protocols the engine must not feed to the wrong client', () => {
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
