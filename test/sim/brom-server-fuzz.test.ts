import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HANDSHAKE } from '../../src/engine/brom-protocol.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { SimPhone } from '../../src/sim/phone.js';
import { resolveSimProfile } from '../../src/sim/profiles.js';

describe('BROM server under random input', () => {
  it('never crashes and stops serving once the link closes, whatever it was sent', async () => {
    const phone = await SimPhone.create({ profile: resolveSimProfile('nikel') });
    const commandBytes = fc.constantFrom(
      0xfd,
      0xfc,
      0xfe,
      0xff,
      0xd8,
      0xd1,
      0xd4,
      0xd0,
      0xd2,
      0xd7,
      0xd5,
      0xe1,
      0xe7,
      0xa0,
    );
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      commandBytes.map((b) => Uint8Array.of(b)),
      fc.constant(Uint8Array.from(HANDSHAKE)),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(chunk, { maxLength: 40 }), async (synced, chunks) => {
        const [host, device] = createMemoryPair();
        const served = phone.serve(device);
        if (synced) await host.write(Uint8Array.from(HANDSHAKE));
        for (const bytes of chunks) await host.write(bytes);
        await host.close();
        await expect(served).resolves.toBeUndefined();
      }),
      { numRuns: 150 },
    );
    await phone.close();
  });
});
