import { describe, expect, it } from 'vitest';
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { openFlashSession } from '../../src/engine/flash-session.js';
import { waitForPhonePort } from '../../src/engine/port-wait.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import type { Transport } from '../../src/engine/transport/types.js';
import { RomctlError } from '../../src/errors.js';
import { simDaServer } from '../../src/sim/da-server.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';
import { nikelPreloader } from '../sim/fixtures.js';

describe('waiting for the phone', () => {
  it('opens the first MediaTek download port the moment it appears, skipping other devices', async () => {
    const appearsAt = Date.now() + 300;
    let reads = 0;
    const port = await waitForPhonePort({
      timeoutMs: 5000,
      pollMs: 20,
      list: async () => {
        reads++;
        const serialAdapter = { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523' };
        const phone = { path: '/dev/ttyACM3', vendorId: '0e8d', productId: '2000' };
        return Date.now() < appearsAt ? [serialAdapter] : [serialAdapter, phone];
      },
    });
    expect(port).toMatchObject({ path: '/dev/ttyACM3', mode: 'preloader', usbId: '0e8d:2000' });
    expect(reads).toBeGreaterThan(3);
  });

  it('a phone that never comes: exit 4, saying what to do', async () => {
    const error = await waitForPhonePort({ timeoutMs: 200, pollMs: 20, list: async () => [] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).exitCode).toBe(4);
    expect((error as RomctlError).oneLine()).toMatch(
      /no MediaTek port appeared within 0 s — power the phone off, hold Volume-Down/,
    );
  });

  it('waits for the DA port only, when asked (re-enumeration), and stops on abort', async () => {
    const list = async () => [{ path: '/dev/ttyACM0', vendorId: '0e8d', productId: '0003' }];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await waitForPhonePort({
      timeoutMs: 5000,
      pollMs: 20,
      list,
      modes: ['da'],
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((error as RomctlError).message).toBe('stopped while waiting for the phone');
  });
});

describe('a phone whose DA re-enumerates as a new port', () => {
  it('is followed to the DA port: the bring-up goes on there, not treated as a lost phone', async () => {
    const daPorts: Transport[] = [];
    let announce: (() => void) | null = null;
    const phone = await SimPhone.create({
      profile: resolveSimProfile('nikel'),
      daServer: simDaServer,
      reenumerate: async () => {
        const [host, device] = createMemoryPair(['memory:DA port 0e8d:2001', 'simulated DA port']);
        daPorts.push(host);
        announce?.();
        return device;
      },
    });
    await phone.storage.write('boot1', 0, nikelPreloader());
    await phone.reboot();
    const [host, device] = createMemoryPair(['memory:preloader port 0e8d:2000', 'simulated phone']);
    const served = phone.serve(device);
    let reconnects = 0;
    const session = await openFlashSession({
      transport: host,
      daFile: buildDaContainer({ entries: [{ hwCode: 0x6797 }] }),
      emiBlock: null,
      expect: { device: 'nikel', hwCode: 0x279 },
      preloaderPort: true,
      timeoutMs: 2000,
      reconnect: async () => {
        reconnects++;
        if (daPorts.length === 0) await new Promise<void>((resolve) => (announce = resolve));
        return daPorts[0] as Transport;
      },
    });
    expect(reconnects).toBe(1);
    expect(session.transport.description).toBe('memory:DA port 0e8d:2001');
    expect(host.closed).toBe(true);
    expect(await session.client.readAll('boot1', 0n, 512n)).toEqual(nikelPreloader().subarray(0, 512));
    await session.client.shutdown('normal');
    await (daPorts[0] as Transport).close();
    await served;
    await phone.close();
  });
});
