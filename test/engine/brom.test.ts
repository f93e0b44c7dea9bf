import { describe, expect, it } from 'vitest';
import { BromClient, BromStatusError } from '../../src/engine/brom.js';
import { xor16Checksum } from '../../src/engine/brom-protocol.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { RecordingTransport } from '../../src/engine/transport/recording.js';
import { TransportError, type Transport } from '../../src/engine/transport/types.js';
import { ExitCode } from '../../src/errors.js';
import { SimPhone, type DaServer } from '../../src/sim/phone.js';
import { resolveSimProfile } from '../../src/sim/profiles.js';
import { bench, nikelPreloader } from '../sim/fixtures.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** the BROM client on a recording transport, so each command's bytes can be checked */
async function recorded(options: Parameters<typeof bench>[0] = {}) {
  const b = await bench(options);
  const wire = new RecordingTransport(b.host);
  const client = new BromClient(wire, 2000);
  await client.handshake();
  wire.clear();
  return { ...b, wire, client };
}

describe('BROM client against the simulated phone', () => {
  it('identifies nikel in preloader mode and disables the watchdog', async () => {
    const b = await bench({ preloader: nikelPreloader() });
    expect(b.phone.mode).toBe('preloader');
    await b.client.handshake({ preloaderPort: true });
    const id = await b.client.identify();
    expect(id.mode).toBe('preloader');
    expect(id.hwCode).toBe(0x279);
    expect(id.chip?.names[0]).toBe('MT6797');
    expect(id.preloaderVersion).toBe(1);
    expect(id.bromVersion).toBeNull();
    expect(id.targetConfig).toMatchObject({ raw: 0, sbc: false, sla: false, daa: false });
    expect(hex(id.meId)).toBe(hex(b.phone.profile.meId));
    expect(id.socId).toBeNull();
    expect(id.watchdogDisabled).toBe(true);
    expect(b.phone.registers.get(0x10007000)).toBe(0x22000064);
    await b.close();
  });

  it('sees BROM mode on a blank phone and reads the SoC id on chips that have one', async () => {
    const b = await bench({ profile: 'generic' });
    await b.client.handshake();
    const id = await b.client.identify();
    expect(id.mode).toBe('brom');
    expect(id.bromVersion).toBe(1);
    expect(id.chip?.names[0]).toBe('MT6765');
    expect(id.socId?.length).toBe(32);
    await b.close();
  });

  it('speaks each command byte-exactly', async () => {
    const r = await recorded({ preloader: nikelPreloader() });
    const exchange = async (run: () => Promise<unknown>) => {
      r.wire.clear();
      await run();
      return [hex(r.wire.sent()), hex(r.wire.received())];
    };
    expect(await exchange(() => r.client.getHwCode())).toEqual(['fd', 'fd02790000']);
    expect(await exchange(() => r.client.getHwSwVersion())).toEqual(['fc', 'fc8a00ca0000000000']);
    expect(await exchange(() => r.client.getBromVersion())).toEqual(['ff', '01']);
    expect(await exchange(() => r.client.getBlVersion())).toEqual(['fe', '01']);
    expect(await exchange(() => r.client.getTargetConfig())).toEqual(['d8', 'd8000000000000']);
    expect(await exchange(() => r.client.write(0x10007000, [0x22000064]))).toEqual([
      'd4' + '10007000' + '00000001' + '22000064',
      'd4' + '10007000' + '00000001' + '0000' + '22000064' + '0000',
    ]);
    expect(await exchange(() => r.client.read(0x10007000, 1))).toEqual([
      'd1' + '10007000' + '00000001',
      'd1' + '10007000' + '00000001' + '0000' + '22000064' + '0000',
    ]);
    expect(await exchange(() => r.client.write(0xc0000000, [0x2264], 16))).toEqual([
      'd2' + 'c0000000' + '00000001' + '2264',
      'd2' + 'c0000000' + '00000001' + '0000' + '2264' + '0000',
    ]);
    expect(await exchange(() => r.client.getMeId())).toEqual([
      'e1',
      'e1' + '00000010' + hex(r.phone.profile.meId) + '0000',
    ]);
    const da = Uint8Array.from({ length: 5 }, (_, i) => i + 1);
    expect(await exchange(() => r.client.sendDa(0x200000, da, 0))).toEqual([
      'd7' + '00200000' + '00000005' + '00000000' + '0102030405',
      'd7' + '00200000' + '00000005' + '00000000' + '0000' + '0607' + '0000',
    ]);
    expect(await exchange(() => r.client.jumpDa(0x200000))).toEqual([
      'd5' + '00200000',
      'd5' + '00200000' + '0000',
    ]);
    await r.close();
  });

  it('sends the handshake one byte at a time and gets the complements', async () => {
    const b = await bench();
    const wire = new RecordingTransport(b.host);
    await new BromClient(wire).handshake();
    expect(wire.log.map((c) => `${c.direction}:${hex(c.bytes)}`)).toEqual([
      'out:a0',
      'in:5f',
      'out:0a',
      'in:f5',
      'out:50',
      'in:af',
      'out:05',
      'in:fa',
    ]);
    await b.close();
  });

  it('resynchronises when garbage arrives before the handshake', async () => {
    const b = await bench({ phoneFirst: Buffer.from('READY\x00\x5f\xf5 preloader log\r\n') });
    await b.host.write(Uint8Array.of(0x0a, 0x50, 0x13, 0xa0, 0x37));
    await b.client.handshake({ byteTimeoutMs: 200 });
    expect((await b.client.getHwCode()).hwCode).toBe(0x279);
    await b.close();
  });

  it('fails the handshake with a device error when nobody answers', async () => {
    const [host] = createMemoryPair();
    const error = await new BromClient(host)
      .handshake({ attempts: 2, byteTimeoutMs: 20 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).exitCode).toBe(ExitCode.device);
    expect((error as TransportError).message).toMatch(/no BROM\/preloader handshake after 2 attempts/);
  });

  it('splits SEND_DA into 1 KiB packets with a zero-length packet every 0x2000 bytes and at the end', async () => {
    const r = await recorded();
    const da = Uint8Array.from({ length: 0x4801 }, (_, i) => (i * 7) & 0xff);
    await r.client.sendDa(0x200000, da, 0x100);
    const out = r.wire.log.filter((c) => c.direction === 'out').map((c) => c.bytes.length);
    // command, address, length, signature length, then the data
    expect(out.slice(0, 4)).toEqual([1, 4, 4, 4]);
    expect(out.slice(4)).toEqual([...Array(8).fill(1024), 0, ...Array(8).fill(1024), 0, 1024, 1024, 1, 0]);
    expect(r.phone.mode).toBe('brom');
    await r.close();
  });

  it('computes the XOR-16 checksum over little-endian words, padding an odd length', () => {
    expect(xor16Checksum(Uint8Array.of(0x01, 0x02, 0x03))).toBe(0x0201 ^ 0x0003);
    expect(xor16Checksum(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBe(0);
    expect(xor16Checksum(new Uint8Array(0))).toBe(0);
  });

  it('names the command and the BROM status when SEND_DA is refused (SLA)', async () => {
    const profile = { ...resolveSimProfile('nikel'), targetConfig: 0x07 };
    const b = await bench({ profile });
    await b.client.handshake();
    expect((await b.client.getTargetConfig()).sla).toBe(true);
    const error = await b.client.sendDa(0x200000, new Uint8Array(16), 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BromStatusError);
    expect((error as BromStatusError).status).toBe(0x1d0d);
    expect((error as BromStatusError).exitCode).toBe(ExitCode.device);
    expect((error as BromStatusError).message).toMatch(/^SEND_DA failed with BROM status 0x1d0d SLA_ERROR/);
    await b.close();
  });

  it('refuses JUMP_DA to an address nothing was loaded at', async () => {
    const b = await bench();
    await b.client.handshake();
    const error = (await b.client.jumpDa(0x200000).catch((e: unknown) => e)) as BromStatusError;
    expect(error.status).toBe(0x1d16);
    await b.client.sendDa(0x200000, new Uint8Array(64), 0);
    expect(((await b.client.jumpDa(0x40000000).catch((e: unknown) => e)) as BromStatusError).status).toBe(
      0x1d0f,
    );
    await b.close();
  });

  it('hands the link to the DA server after JUMP_DA, and the phone reboots when it returns', async () => {
    const sessions: Array<{ image: string; address: number; mode: string }> = [];
    const daServer: DaServer = async ({ transport, phone, daImage, address }) => {
      sessions.push({ image: hex(daImage), address, mode: phone.mode });
      await transport.write(Uint8Array.of(0xc0));
      const command = await transport.read(1);
      await transport.write(Uint8Array.of((command[0] as number) ^ 0xff));
    };
    const b = await bench({ preloader: nikelPreloader(), daServer });
    await b.client.handshake();
    const da = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    await b.client.sendDa(0x200000, da, 0x100);
    await b.client.jumpDa(0x200000);
    expect(await b.host.read(1)).toEqual(Uint8Array.of(0xc0));
    await b.host.write(Uint8Array.of(0x5a));
    expect(await b.host.read(1)).toEqual(Uint8Array.of(0xa5));
    expect(sessions).toEqual([{ image: hex(da), address: 0x200000, mode: 'da' }]);
    await b.client.handshake();
    expect((await b.client.getBlVersion()).mode).toBe('preloader');
    await b.close();
  });

  it('gives TransportError closed, not a hang, when the cable is pulled mid-SEND_DA', async () => {
    const b = await bench();
    let sent = 0;
    const pulling: Transport = Object.assign(Object.create(b.host) as Transport, {
      async write(bytes: Uint8Array) {
        sent += bytes.length;
        if (sent > 20_000) await b.phone.pullCable();
        return b.host.write(bytes);
      },
    });
    const client = new BromClient(pulling, 2000);
    await client.handshake();
    const error = await client.sendDa(0x200000, new Uint8Array(256 * 1024), 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toBe('closed');
    await b.served;
    await b.phone.close();
  });

  it('reports an echo mismatch as a protocol error naming the command', async () => {
    const [host, device] = createMemoryPair();
    const client = new BromClient(host, 500);
    const reply = (async () => {
      await device.read(1);
      await device.write(Uint8Array.of(0x00));
    })();
    const error = (await client.getHwCode().catch((e: unknown) => e)) as Error;
    await reply;
    expect(error.message).toBe('GET_HW_CODE: protocol out of step: sent fd, the phone echoed 00');
  });

  it('works the same over a phone created without a preloader and held in BROM', async () => {
    const phone = await SimPhone.create({ profile: resolveSimProfile('P780') });
    expect(phone.mode).toBe('brom');
    expect(phone.usbId).toEqual({ vendorId: 0x0e8d, productId: 0x0003 });
    await phone.close();
  });
});
