import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BromClient } from '../../src/engine/brom.js';
import { socatAvailable } from '../../src/engine/transport/pty.js';
import { openSerialTransport } from '../../src/engine/transport/serial.js';
import { startPtySim } from '../../src/sim/index.js';
import { SimPhone, type DaServer } from '../../src/sim/phone.js';
import { readHostCommand } from '../../src/sim/xml-doc.js';
import {
  SIM_DA1_ADDRESS,
  SIM_DA_SIGNATURE_LENGTH,
  simDaStages,
} from '../../src/engine/da/container-build.js';
import { buildPreloader } from '../../src/formats/preloader/index.js';
import { faultySimDaServer, simDaServer } from '../../src/sim/da-server.js';
import { resolveSimProfile, type SimProfile } from '../../src/sim/profiles.js';
import { bench, type Bench } from './fixtures.js';
import { cmd, XmlHost } from './xml-host.js';

const benches: Bench[] = [];
afterEach(async () => {
  await Promise.all(benches.splice(0).map((b) => b.close()));
});

/** the 16-bit byte sum the checksum levels ask for before each packet */
const sum16 = (bytes: Uint8Array) => bytes.reduce((sum, b) => (sum + b) & 0xffff, 0);

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** a V6 profile's phone, DA1 sent and jumped to through its BROM/preloader; `da1At` jumps elsewhere */
type V6Phone = 'oppo6833' | 'tulip' | SimProfile;

async function jumped(
  profile: V6Phone,
  options: { preloader?: Uint8Array; da1At?: number; daServer?: DaServer } = {},
): Promise<{ bench: Bench; host: XmlHost; da2: Uint8Array }> {
  const b = await bench({ profile, daServer: options.daServer ?? simDaServer, preloader: options.preloader });
  benches.push(b);
  await b.client.handshake();
  const { da1, da2 } = simDaStages(b.phone.profile.chip.daCode, 'xml');
  await b.client.sendDa(SIM_DA1_ADDRESS, da1, SIM_DA_SIGNATURE_LENGTH);
  await b.client.jumpDa(options.da1At ?? SIM_DA1_ADDRESS);
  return { bench: b, host: new XmlHost(b.host), da2: da2.subarray(0, da2.length - SIM_DA_SIGNATURE_LENGTH) };
}

const RUNTIME = (level: string) =>
  `<?xml version="1.0" encoding="utf-8"?><da><version>1.1</version><command>CMD:SET-RUNTIME-PARAMETER</command><arg><checksum_level>${level}</checksum_level><battery_exist>AUTO-DETECT</battery_exist><da_log_level>INFO</da_log_level><log_channel>UART</log_channel><system_os>LINUX</system_os></arg><adv><initialize_dram>YES</initialize_dram></adv></da>`;
const CAPABILITIES = cmd(
  'HOST-SUPPORTED-COMMANDS',
  '<host_capability>CMD:DOWNLOAD-FILE^1@CMD:FILE-SYS-OPERATION^1@CMD:PROGRESS-REPORT^1@CMD:UPLOAD-FILE^1@</host_capability>',
);
const BOOT_TO = (length: number, at = '0x40000000') =>
  cmd(
    'BOOT-TO',
    `<at_address>${at}</at_address><jmp_address>${at}</jmp_address><source_file>MEM://0x7fe83c09a04c:0x${length.toString(16)}</source_file>`,
  );

/** DA1's set-up as mtkclient's upload_da1 runs it; returns NOTIFY-INIT-HW's CMD:END */
async function setUp(host: XmlHost, level = 'NONE'): Promise<string> {
  await host.started();
  await host.simple(RUNTIME(level));
  await host.simple(CAPABILITIES);
  await host.send(cmd('NOTIFY-INIT-HW'));
  await host.expect('OK');
  await host.progress();
  const end = await host.ended();
  await host.simple(cmd('SET-HOST-INFO', '<info>20261129T232000</info>'));
  return end;
}

async function bootDa2(host: XmlHost, da2: Uint8Array, level = 'NONE'): Promise<string> {
  await host.send(BOOT_TO(da2.length));
  await host.expect('OK');
  expect(await host.give(da2, level === 'NONE' ? undefined : sum16)).toBe('OK');
  return host.ended();
}

async function ready(profile: V6Phone, level = 'NONE') {
  const rig = await jumped(profile);
  expect(await setUp(rig.host, level)).toContain('<result>OK</result>');
  expect(await bootDa2(rig.host, rig.da2, level)).toContain('<result>OK</result>');
  return rig;
}

async function hwInfo(host: XmlHost): Promise<string> {
  await host.send(cmd('GET-HW-INFO', '<target_file>MEM://0x7fe83c138700:0x200000</target_file>'));
  await host.expect('OK');
  const info = (await host.receive()).toString('utf8');
  await host.ended();
  return info;
}

/** → WRITE-FLASH, ← OK, ← FILE-SYS-OPERATION FILE-SIZE, → OK, → OK@0x<size> */
async function startWrite(
  host: XmlHost,
  partition: string,
  offset: string | null,
  size: number,
): Promise<void> {
  const at = offset === null ? '' : `<offset>${offset}</offset>`;
  const source = `<source_file>MEM://0x8000000:0x${size.toString(16)}</source_file>`;
  await host.send(cmd('WRITE-FLASH', `<partition>${partition}</partition>${at}${source}`));
  await host.expect('OK');
  expect(await host.doc('FILE-SYS-OPERATION')).toContain('<key>FILE-SIZE</key>');
  await host.send('OK');
  await host.send(`OK@0x${size.toString(16)}`);
}

/** a whole WRITE-FLASH: the pre-erase progress report, then the data */
async function write(host: XmlHost, partition: string, offset: string | null, bytes: Buffer, level = 'NONE') {
  await startWrite(host, partition, offset, bytes.length);
  await host.progress();
  const answer = await host.give(bytes, level === 'NONE' ? undefined : sum16);
  return { answer, end: await host.ended() };
}

async function read(host: XmlHost, partition: string, offset: number, length: number): Promise<Buffer> {
  await host.send(
    cmd(
      'READ-FLASH',
      `<partition>${partition}</partition><offset>0x${offset.toString(16)}</offset><length>0x${length.toString(16)}</length><target_file>ROM_0</target_file>`,
    ),
  );
  await host.expect('OK');
  const bytes = await host.receive();
  expect(await host.ended()).toContain('<result>OK</result>');
  return bytes;
}

/** → command, ← ERR!<text>, ← CMD:END ERR with the status, → OK, ← CMD:START, → OK */
async function refused(host: XmlHost, document: string): Promise<{ text: string; end: string }> {
  await host.send(document);
  const text = await host.text();
  return { text, end: await host.ended() };
}

describe('simulated XML (V6) DA: bring-up', () => {
  it('answers JUMP_DA with CMD:START, logs DT_MESSAGE lines and reports the eMMC CID in DA1', async () => {
    const { host, bench: b } = await jumped('tulip');
    expect(await host.text()).toBe(
      '<?xml version="1.0" encoding="utf-8"?><host><version>1.0</version><command>CMD:START</command><arg></arg></host>',
    );
    await host.send('OK');
    expect(host.logs.length).toBeGreaterThan(0);
    const info = await hwInfo(host);
    expect(info).toContain('<storage>EMMC</storage>');
    expect(info).toContain(`<id>${b.phone.profile.storage.id.toUpperCase()}</id>`);
    expect(info).toContain('<block_size>0x200</block_size>');
    expect(info).toContain('<ram_size>0x0</ram_size>');
  });

  it('reports the UFS id, 4096-byte blocks and the LU sizes of the MT6833', async () => {
    const { host, bench: b } = await ready('oppo6833');
    const info = await hwInfo(host);
    const id = b.phone.profile.storage.id.toUpperCase();
    expect(info).toContain('<storage>UFS</storage>');
    expect(info).toContain(`<block_size>0x1000</block_size><lua0_size>0x400000</lua0_size>`);
    expect(info).toContain(`<lua2_size>0x1dcb000000</lua2_size>`);
    expect(info).toContain(`<id>${id}</id>`);
    expect(info).toContain('<ram_size>0x200000000</ram_size>');
  });

  it('refuses a DA2 whose hash is not the one DA1 carries, and boots the right one after', async () => {
    const { host, da2 } = await jumped('tulip');
    await setUp(host);
    const changed = Buffer.from(da2);
    changed[0x100] = (changed[0x100] as number) ^ 1;
    await host.send(BOOT_TO(changed.length));
    await host.expect('OK');
    expect(await host.give(changed)).toBe('OK');
    const end = await host.ended();
    expect(end).toContain('<result>ERR</result><message>STATUS_DA_HASH_MISMATCH</message>');
    expect(await bootDa2(host, da2)).toContain('<result>OK</result>');
    expect(host.logs).toContain('DA2 running');
  });

  it('answers BOOT-TO at another address with "2nd DA address is invalid. reset." and resets', async () => {
    const { host, da2, bench: b } = await jumped('tulip');
    await setUp(host);
    await host.send(BOOT_TO(da2.length, '0x40001000'));
    await host.expect('OK');
    const end = await host.doc('END');
    expect(end).toContain('<result>2nd DA address is invalid. reset.\r\n</result>');
    await host.send('OK');
    // the phone rebooted: its preloader answers the start handshake again
    await b.client.handshake();
    expect(b.phone.mode).toBe('preloader');
  });

  it('refuses a jump into DA1 at another address (BROM) and a DA2 jump address DA1 does not expect', async () => {
    await expect(jumped('tulip', { da1At: SIM_DA1_ADDRESS + 0x1000 })).rejects.toThrow(
      /DA_INVALID_JUMP_ADDR/,
    );
    const { host, da2 } = await jumped('tulip');
    await setUp(host);
    await host.send(
      cmd(
        'BOOT-TO',
        `<at_address>0x40000000</at_address><jmp_address>0x40000200</jmp_address><source_file>MEM://0x0:0x${da2.length.toString(16)}</source_file>`,
      ),
    );
    await host.expect('OK');
    expect(await host.doc('END')).toContain('2nd DA address is invalid. reset.');
  });

  it('boots to BROM only with a wrong preloader, and then DA1 cannot bring DRAM up', async () => {
    const profile = resolveSimProfile('tulip');
    const foreign = buildPreloader({
      fileName: 'preloader_other.bin',
      platform: 'MT6789',
      bloaderVersion: 46,
      records: [{ package: 'emmc-mcp', dram: 'LPDDR4X', id: '150100444836444142', rankSizes: [1n << 31n] }],
      bootArea: 'emmc',
    });
    const { host, da2, bench: b } = await jumped('tulip', { preloader: foreign });
    expect(b.phone.lastBoot.mode).toBe('brom');
    expect(b.phone.lastBoot.reason).toMatch(/DRAM/);
    expect(profile.chip.hwCode).toBe(0x1208);
    const end = await setUp(host);
    expect(end).toContain('<result>ERR</result><message>STATUS_EXT_RAM_EXCEPTION</message>');
    await host.send(BOOT_TO(da2.length));
    await host.expect('OK');
    expect(await host.ended()).toContain('STATUS_EXT_RAM_EXCEPTION');
  });
});

describe('simulated XML (V6) DA: flash operations', () => {
  it('writes and reads back a UFS-LUA2 range across packets and lists the factory GPT', async () => {
    const { host } = await ready('oppo6833');
    const bytes = pattern(0x180000, 7);
    const { answer, end } = await write(host, 'UFS-LUA2', '0x4f800000', bytes);
    expect(answer).toBe('OK');
    expect(end).toContain('<result>OK</result>');
    expect((await read(host, 'UFS-LUA2', 0x4f800000, bytes.length)).equals(bytes)).toBe(true);
    await host.send(cmd('READ-PARTITION-TABLE', '<target_file>MEM://0x7fe83c538720:0x200000</target_file>'));
    await host.expect('OK');
    const table = (await host.receive()).toString('utf8');
    await host.ended();
    expect(table).toContain('<pt><name>recovery</name><start>0x8000</start><size>0x8000000</size></pt>');
    expect(table).toContain('<pt><name>super</name><start>0x4f800000</start><size>0x280000000</size></pt>');
  });

  it('writes EMMC-USER and EMMC-BOOT1 ranges and a partition by name, and reads them back', async () => {
    const { host } = await ready('tulip');
    const user = pattern(0x3000, 1);
    expect((await write(host, 'EMMC-USER', '0x100000', user)).answer).toBe('OK');
    expect((await read(host, 'EMMC-USER', 0x100000, user.length)).equals(user)).toBe(true);
    const boot = pattern(0x1000, 2);
    expect((await write(host, 'EMMC-BOOT1', '0x200000', boot)).answer).toBe('OK');
    expect((await read(host, 'EMMC-BOOT1', 0x200000, boot.length)).equals(boot)).toBe(true);
    const lenovolock = pattern(0x1000, 3);
    expect((await write(host, 'lenovolock', null, lenovolock)).answer).toBe('OK');
    expect((await read(host, 'EMMC-USER', 0x8000, 0x1000)).equals(lenovolock)).toBe(true);
    await host.send(
      cmd('READ-PARTITION', '<partition>lenovolock</partition><target_file>x.bin</target_file>'),
    );
    await host.expect('OK');
    expect((await host.receive()).equals(lenovolock)).toBe(true);
    await host.ended();
  });

  it('stores what a faulty phone corrupts, so only a read-back finds it', async () => {
    const { host, da2 } = await jumped('tulip', {
      daServer: faultySimDaServer({
        corruptWrite: ({ data }) => Uint8Array.from(data, (x, i) => (i === 7 ? x ^ 0xff : x)),
      }),
    });
    await setUp(host);
    await bootDa2(host, da2);
    const bytes = pattern(0x1000, 6);
    expect((await write(host, 'EMMC-USER', '0x100000', bytes)).answer).toBe('OK');
    const back = await read(host, 'EMMC-USER', 0x100000, bytes.length);
    expect(back.equals(bytes)).toBe(false);
    expect(back[7]).toBe((bytes[7] as number) ^ 0xff);
  });

  it('keeps what reached the flash when the cable is pulled in a hung write, and boots again', async () => {
    const {
      host,
      da2,
      bench: b,
    } = await jumped('oppo6833', {
      daServer: faultySimDaServer({ hangOnWrite: ({ address }) => address >= 0x47d00000n + 0x100000n }),
    });
    await setUp(host);
    await bootDa2(host, da2);
    const bytes = pattern(0x200000, 8);
    await startWrite(host, 'UFS-LUA2', '0x47d00000', bytes.length);
    await host.progress();
    await host.doc('DOWNLOAD-FILE');
    await host.send('OK');
    await host.send('OK@0x200000');
    await host.expect('OK');
    await host.send('OK@0x0');
    await host.expect('OK');
    await host.sendData(bytes.subarray(0, 0x100000));
    await host.expect('OK');
    await host.send('OK@0x0');
    await host.expect('OK');
    await host.sendData(bytes.subarray(0x100000));
    // the second packet is never acknowledged: the phone hangs
    await expect(host.link.read(1, 300)).rejects.toThrow(/no reply/);
    await b.phone.pullCable();
    await b.served;
    expect(b.phone.lastBoot.mode).toBe('preloader');
    const stored = Buffer.from(await b.phone.storage.read('user', 0x47d00000, 0x200000));
    expect(stored.subarray(0, 0x100000).equals(bytes.subarray(0, 0x100000))).toBe(true);
    expect(stored.subarray(0x100000).every((x) => x === 0)).toBe(true);
  });

  it('erases a range with a progress report', async () => {
    const { host } = await ready('tulip');
    await write(host, 'EMMC-USER', '0x100000', pattern(0x2000, 4));
    await host.send(
      cmd('ERASE-FLASH', '<partition>EMMC-USER</partition><offset>0x100000</offset><length>0x1000</length>'),
    );
    await host.expect('OK');
    expect((await host.progress()).at(-1)).toBe('OK!PROGRESS@100');
    expect(await host.ended()).toContain('<result>OK</result>');
    const after = await read(host, 'EMMC-USER', 0x100000, 0x2000);
    expect(after.subarray(0, 0x1000).every((b) => b === 0)).toBe(true);
    expect(after.subarray(0x1000).equals(pattern(0x2000, 4).subarray(0x1000))).toBe(true);
  });

  it('with checksum level STORAGE verifies each packet: a wrong sum is refused and nothing is written', async () => {
    const { host, bench: b } = await ready('tulip', 'STORAGE');
    const bytes = pattern(0x2000, 5);
    const good = await write(host, 'EMMC-USER', '0x200000', bytes, 'STORAGE');
    expect(good.answer).toBe('OK');
    await startWrite(host, 'EMMC-USER', '0x300000', 0x2000);
    await host.progress();
    expect(await host.give(bytes, (piece) => (sum16(piece) + 1) & 0xffff)).toBe('ERR!CHECKSUM');
    expect(await host.ended()).toContain('<result>ERR</result><message>STATUS_CHECKSUM_ERR</message>');
    expect((await b.phone.storage.read('user', 0x300000, 0x2000)).every((x) => x === 0)).toBe(true);
  });

  it('says ERR! to unknown commands, bad XML, wrong partitions, other storage and out-of-range reads', async () => {
    const { host } = await ready('oppo6833');
    const cases: Array<[string, string, string]> = [
      [cmd('MAKE-COFFEE'), 'ERR!UNSUPPORTED', 'STATUS_UNSUPPORT_CMD'],
      [
        '<?xml version="1.0"?><da><command>CMD:READ-FLASH</da>',
        'ERR!INVALID-PARAMETERS',
        'STATUS_INVALID_PARAMETERS',
      ],
      [
        cmd('ERASE-PARTITION', '<partition>no_such</partition>'),
        'ERR!PARTITION-NOT-FOUND',
        'STATUS_PARTITION_NOT_FOUND',
      ],
      [
        cmd('READ-FLASH', '<partition>EMMC-USER</partition><offset>0x0</offset><length>0x1000</length>'),
        'ERR!UNKNOWN-STORAGE-SECTION-TYPE',
        'STATUS_UNKNOWN_STORAGE_SECTION_TYPE',
      ],
      [
        cmd('READ-FLASH', '<partition>UFS-LUA0</partition><offset>0x3ff000</offset><length>0x2000</length>'),
        'ERR!EXCEED-AVAILABLE-RANGE',
        'STATUS_EXCEED_AVAILABLE_RANGE',
      ],
      [cmd('BOOT-TO', '<at_address>0x40000000</at_address>'), 'ERR!UNSUPPORTED', 'STATUS_UNSUPPORT_CMD'],
    ];
    for (const [document, text, status] of cases) {
      const answer = await refused(host, document);
      expect(answer.text, document).toBe(text);
      expect(answer.end).toContain(`<result>ERR</result><message>${status}</message>`);
    }
    // a write past the end of the LU is refused once FILE-SIZE tells its length
    await startWrite(host, 'UFS-LUA1', '0x3ff000', 0x2000);
    expect(await host.ended()).toContain('<message>STATUS_EXCEED_AVAILABLE_RANGE</message>');
  });

  it('refuses flash commands in DA1', async () => {
    const { host } = await jumped('tulip');
    await setUp(host);
    const answer = await refused(
      host,
      cmd('READ-FLASH', '<partition>EMMC-USER</partition><offset>0x0</offset><length>0x200</length>'),
    );
    expect(answer.text).toBe('ERR!UNSUPPORTED');
  });

  it('with DA-level SLA on keeps storage closed until the challenge comes back encrypted for its key', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const daSlaPrivateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { host } = await ready({ ...resolveSimProfile('tulip'), security: { daSlaPrivateKey } });
    await host.send(
      cmd('GET-SYS-PROPERTY', '<key>DA.SLA</key><target_file>MEM://0x0:0x200000</target_file>'),
    );
    await host.expect('OK');
    expect((await host.receive()).toString()).toContain('<item key="DA.SLA">ENABLED</item>');
    await host.ended();
    const closed = await refused(
      host,
      cmd('READ-FLASH', '<partition>EMMC-USER</partition><offset>0x0</offset><length>0x200</length>'),
    );
    expect(closed.text).toBe('ERR!SEC-DL-FORBIDDEN');
    await host.send(cmd('SECURITY-GET-DEV-FW-INFO', '<target_file>MEM://0x8000000:0x100000</target_file>'));
    await host.expect('OK');
    const info = (await host.receive()).toString();
    await host.ended();
    const rnd = Buffer.from(/<rnd>([0-9A-F]+)<\/rnd>/.exec(info)?.[1] ?? '', 'hex');
    expect(rnd.length).toBe(16);
    const answer = (bytes: Uint8Array) =>
      publicEncrypt(
        { key: keys.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        bytes,
      );
    for (const [bytes, result] of [
      [Buffer.alloc(16), 'STATUS_SEC_DL_FORBIDDEN'],
      [rnd, 'OK'],
    ] as const) {
      await host.send(cmd('SECURITY-SET-FLASH-POLICY', '<source_file>MEM://0x8000000:0x100</source_file>'));
      await host.expect('OK');
      expect(await host.give(answer(bytes))).toBe('OK');
      expect(await host.ended()).toContain(result);
    }
    expect((await read(host, 'EMMC-USER', 0, 0x200)).length).toBe(0x200);
  });

  it('ends the session on REBOOT and the phone boots its preloader again', async () => {
    const { host, bench: b } = await ready('oppo6833');
    await host.send(cmd('REBOOT', '<action>IMMEDIATE</action>'));
    await host.expect('OK');
    expect(await host.doc('END')).toContain('<result>OK</result>');
    await host.send('OK');
    await b.client.handshake();
    expect(b.phone.mode).toBe('preloader');
  });
});

/** a deterministic generator, so a failing case can be replayed */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 0x100000000;
  };
}

describe('simulated XML (V6) DA: fuzzing its decoder', () => {
  const valid = [
    RUNTIME('USB'),
    CAPABILITIES,
    cmd('SET-HOST-INFO', '<info>20261129T232000</info>'),
    cmd('GET-SYS-PROPERTY', '<key>DA.SLA</key><target_file>MEM://0x0:0x200000</target_file>'),
  ];

  function mutate(text: string, next: () => number): string {
    const chars = [...text];
    for (let n = 1 + Math.floor(next() * 4); n > 0; n--) {
      const at = Math.floor(next() * chars.length);
      const roll = next();
      if (roll < 0.4) chars[at] = String.fromCharCode(Math.floor(next() * 128));
      else if (roll < 0.7) chars.splice(at, 1);
      else chars.splice(at, 0, '<>&/"'[Math.floor(next() * 5)] as string);
    }
    return chars.join('');
  }

  it('reads any text as a command or a reason, never throwing', () => {
    const next = random(1);
    for (let i = 0; i < 2000; i++) {
      const text =
        i % 3 === 0
          ? Buffer.from(
              Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)),
            ).toString('utf8')
          : mutate(valid[i % valid.length] as string, next);
      const result = readHostCommand(text);
      expect(typeof result === 'string' || typeof result.name === 'string').toBe(true);
    }
  });

  it('answers random frames and mutated documents with ERR! or OK, each followed by CMD:END and CMD:START', async () => {
    const { host, bench: b } = await ready('tulip');
    const next = random(2);
    let refusals = 0;
    for (let i = 0; i < 150; i++) {
      if (i % 2 === 0) {
        const length = 1 + Math.floor(next() * 200);
        await host.sendData(Uint8Array.from({ length }, () => Math.floor(next() * 256)));
      } else {
        await host.send(mutate(valid[i % valid.length] as string, next));
      }
      const answer = await host.text();
      if (answer.startsWith('ERR!')) {
        refusals++;
        await host.ended();
        continue;
      }
      expect(answer).toBe('OK');
      // a mutation that still reads as GET-SYS-PROPERTY uploads its answer first
      const after = await host.text();
      if (after.includes('<command>CMD:UPLOAD-FILE</command>')) {
        await host.receive(after);
        await host.ended();
      } else await host.ended(after);
    }
    expect(refusals).toBeGreaterThan(75);
    // the DA still works afterwards
    expect((await hwInfo(host)).includes('<storage>EMMC</storage>')).toBe(true);
    expect(b.phone.mode).toBe('da');
  });

  it('says ERR!PROTOCOL to a broken frame header and stops; the phone reboots without a crash', async () => {
    const next = random(3);
    for (let i = 0; i < 20; i++) {
      const { host, bench: b } = await jumped('tulip');
      await host.started();
      const garbage = Buffer.from(
        Array.from({ length: 12 + Math.floor(next() * 40) }, () => Math.floor(next() * 256)),
      );
      garbage.writeUInt32LE(i % 2 ? 0xfeeeeeef : 0x12345678, 0);
      garbage.writeUInt32LE(i % 2 ? 7 : 1, 4);
      await host.link.write(garbage);
      expect(await host.text()).toBe('ERR!PROTOCOL');
      await b.close();
      await expect(b.served).resolves.toBeUndefined();
      benches.splice(benches.indexOf(b), 1);
    }
  });
});

describe.skipIf(!socatAvailable())('simulated XML (V6) DA over a socat pty', () => {
  it('brings DA2 up and writes and reads UFS-LUA2 through the serial transport', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'romctl-xml-pty-'));
    const phone = await SimPhone.create({ profile: resolveSimProfile('oppo6833'), daServer: simDaServer });
    const sim = await startPtySim(phone, dir);
    const link = await openSerialTransport(sim.hostPath);
    try {
      const client = new BromClient(link);
      await client.handshake({ preloaderPort: true });
      const { da1, da2 } = simDaStages(0x6833, 'xml');
      await client.sendDa(SIM_DA1_ADDRESS, da1, SIM_DA_SIGNATURE_LENGTH);
      await client.jumpDa(SIM_DA1_ADDRESS);
      const host = new XmlHost(link);
      await setUp(host);
      expect(await bootDa2(host, da2.subarray(0, da2.length - SIM_DA_SIGNATURE_LENGTH))).toContain(
        '<result>OK</result>',
      );
      const bytes = pattern(0x120000, 9);
      expect((await write(host, 'UFS-LUA2', '0x47d00000', bytes)).answer).toBe('OK');
      expect((await read(host, 'UFS-LUA2', 0x47d00000, bytes.length)).equals(bytes)).toBe(true);
    } finally {
      await link.close();
      await sim.stop();
      await phone.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
