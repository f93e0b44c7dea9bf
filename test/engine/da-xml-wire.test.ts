import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  commandDocument,
  parseDaDocument,
  parseDevFwRandom,
  parseHwInfo,
  parseSlaProperty,
} from '../../src/engine/da/xml-documents.js';
import { decodeReply, encodeAck, XmlLink } from '../../src/engine/da/xml-link.js';
import { HOST_CAPABILITY } from '../../src/engine/da/xml-protocol.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { RomctlError } from '../../src/errors.js';
import { cleanly } from '../helpers/errors.js';
import { explainCode } from '../../src/knowledge/index.js';

/**
 * The XML (V6) DA's wire, checked against literal traces: the documents as mtkclient's `xml_cmd.py` docstrings and
 * `create_cmd` lay them out, the DA's documents as mtkclient quotes them, frames spelled byte by byte.
 */
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ascii = (text: string) => Buffer.from(text, 'latin1').toString('hex');

describe('host documents (mtkclient xml_cmd.py)', () => {
  it('BOOT-TO as in the cmd_boot_to docstring', () => {
    expect(
      commandDocument('BOOT-TO', [
        ['at_address', '0x40000000'],
        ['jmp_address', '0x40000000'],
        ['source_file', 'MEM://0x7fe83c09a04c:0x50c78'],
      ]),
    ).toBe(
      '<?xml version="1.0" encoding="utf-8"?><da><version>1.0</version><command>CMD:BOOT-TO</command><arg>' +
        '<at_address>0x40000000</at_address><jmp_address>0x40000000</jmp_address>' +
        '<source_file>MEM://0x7fe83c09a04c:0x50c78</source_file></arg></da>',
    );
  });

  it('SET-RUNTIME-PARAMETER: version 1.1, <arg> then <adv>', () => {
    expect(
      commandDocument(
        'SET-RUNTIME-PARAMETER',
        [
          ['checksum_level', 'NONE'],
          ['battery_exist', 'AUTO-DETECT'],
          ['da_log_level', 'INFO'],
          ['log_channel', 'UART'],
          ['system_os', 'LINUX'],
        ],
        { version: '1.1', adv: [['initialize_dram', 'YES']] },
      ),
    ).toBe(
      '<?xml version="1.0" encoding="utf-8"?><da><version>1.1</version><command>CMD:SET-RUNTIME-PARAMETER</command>' +
        '<arg><checksum_level>NONE</checksum_level><battery_exist>AUTO-DETECT</battery_exist>' +
        '<da_log_level>INFO</da_log_level><log_channel>UART</log_channel><system_os>LINUX</system_os></arg>' +
        '<adv><initialize_dram>YES</initialize_dram></adv></da>',
    );
  });

  it('HOST-SUPPORTED-COMMANDS carries the capability string mtkclient and penumbra send; no <arg> without args', () => {
    expect(commandDocument('HOST-SUPPORTED-COMMANDS', [['host_capability', HOST_CAPABILITY]])).toContain(
      '<arg><host_capability>CMD:DOWNLOAD-FILE^1@CMD:FILE-SYS-OPERATION^1@CMD:PROGRESS-REPORT^1@CMD:UPLOAD-FILE^1@' +
        '</host_capability></arg></da>',
    );
    expect(commandDocument('NOTIFY-INIT-HW')).toBe(
      '<?xml version="1.0" encoding="utf-8"?><da><version>1.0</version><command>CMD:NOTIFY-INIT-HW</command></da>',
    );
    expect(commandDocument('SET-HOST-INFO', [['info', 'a<b&c']])).toContain('<info>a&lt;b&amp;c</info>');
  });
});

describe('frames', () => {
  it('a command document goes out as one flow frame, NUL-terminated', async () => {
    const [host, phone] = createMemoryPair();
    const link = new XmlLink(host, 1000, 'test');
    await link.sendText('<da/>');
    expect(hex(await phone.read(18, 100))).toBe(
      `efeeeefe01000000 06000000 ${ascii('<da/>')}00`.replace(/ /g, ''),
    );
  });

  it("host acks are mtkclient's bytes: OK\\0\\0 and OK@0x…\\0\\0", () => {
    expect(hex(encodeAck())).toBe('4f4b0000');
    expect(hex(encodeAck(0))).toBe(ascii('OK@0x0') + '0000');
    expect(hex(encodeAck(0x50c78n))).toBe(ascii('OK@0x50c78') + '0000');
  });

  it('DT_MESSAGE frames (u32 priority + line, counted in the length) are logged and skipped', async () => {
    const [host, phone] = createMemoryPair();
    const lines: string[] = [];
    const link = new XmlLink(host, 1000, 'test', (priority, line) => lines.push(`${priority}:${line}`));
    const log = Buffer.from(
      `efeeeefe02000000 0e000000 03000000 ${ascii('init dram')}00`.replace(/ /g, ''),
      'hex',
    );
    const ok = Buffer.from(`efeeeefe01000000 03000000 4f4b00`.replace(/ /g, ''), 'hex');
    await phone.write(Buffer.concat([log, ok]));
    expect(await link.readReply()).toEqual({ kind: 'ok', value: null });
    expect(lines).toEqual(['3:init dram']);
  });
});

describe('DA replies and documents', () => {
  const text = (t: string) => Buffer.from(`${t}\0`, 'utf8');

  it('short replies', () => {
    expect(decodeReply(text('OK'), 'x')).toEqual({ kind: 'ok', value: null });
    expect(decodeReply(text('OK@0x50c78'), 'x')).toEqual({ kind: 'ok', value: 0x50c78n });
    expect(decodeReply(text('OK!EOT'), 'x')).toEqual({ kind: 'eot' });
    expect(decodeReply(text('OK!PROGRESS@42'), 'x')).toMatchObject({ kind: 'progress', percent: 42 });
    expect(decodeReply(text('ERR!UNSUPPORTED'), 'x')).toEqual({ kind: 'error', text: 'ERR!UNSUPPORTED' });
    expect(() => decodeReply(text('HELLO'), 'x')).toThrow(RomctlError);
    expect(() => decodeReply(text('OK@zz'), 'x')).toThrow(/not a number/);
  });

  it("DOWNLOAD-FILE as mtkclient's get_command_result quotes it", () => {
    const doc = `<?xml version="1.0" encoding="utf-8"?><host><version>1.0</version>
            <command>CMD:DOWNLOAD-FILE</command>
            <arg>
                <checksum>CHK_NO</checksum>
                <info>2nd-DA</info>
                <source_file>MEM://0x7fe83c09a04c:0x50c78</source_file>
                <packet_length>0x1000</packet_length>
            </arg></host>`;
    expect(parseDaDocument(doc, 'x')).toEqual({
      command: 'CMD:DOWNLOAD-FILE',
      fields: {
        version: '1.0',
        command: 'CMD:DOWNLOAD-FILE',
        checksum: 'CHK_NO',
        info: '2nd-DA',
        source_file: 'MEM://0x7fe83c09a04c:0x50c78',
        packet_length: '0x1000',
      },
    });
  });

  it('FILE-SYS-OPERATION and PROGRESS-REPORT', () => {
    expect(
      parseDaDocument(
        '<?xml version="1.0" encoding="utf-8"?><host><version>1.0</version><command>CMD:FILE-SYS-OPERATION</command>' +
          '<arg><key>FILE-SIZE</key><file_path>MEM://0x8000000:0x4000000</file_path></arg></host>',
        'x',
      ).fields,
    ).toMatchObject({ key: 'FILE-SIZE', file_path: 'MEM://0x8000000:0x4000000' });
    expect(
      parseDaDocument(
        '<?xml version="1.0" encoding="utf-8"?><host><version>1.0</version><command>CMD:PROGRESS-REPORT</command>' +
          '<arg><message>init-hw</message></arg></host>',
        'x',
      ),
    ).toMatchObject({ command: 'CMD:PROGRESS-REPORT', fields: { message: 'init-hw' } });
    expect(() => parseDaDocument('<da><command>CMD:START</command></da>', 'x')).toThrow(/<host><command>/);
    expect(() => parseDaDocument('<host><command>', 'x')).toThrow(/not well-formed/);
  });

  it("GET-HW-INFO of a UFS phone (mtkclient get_hw_info's example) maps to the XFlash StorageInfo", () => {
    const info = parseHwInfo(
      `<?xml version="1.0" encoding="utf-8"?>
        <da_hw_info>
        <version>1.2</version>
        <ram_size>0x100000000</ram_size>
        <battery_voltage>3810</battery_voltage>
        <random_id>4340bfebf6ace4e325f71f7d37ab15aa</random_id>
        <storage>UFS</storage>
        <ufs>
            <block_size>0x1000</block_size>
            <lua0_size>0x400000</lua0_size>
            <lua1_size>0x400000</lua1_size>
            <lua2_size>0xee5800000</lua2_size>
            <lua3_size>0</lua3_size>
            <id>4D54303634474153414F32553231202000000000</id>
        </ufs>
        <product_id></product_id>
        </da_hw_info>`,
      'x',
    );
    expect(info).toEqual({
      kind: 'ufs',
      blockSize: 0x1000,
      boot1Size: 0x400000n,
      boot2Size: 0x400000n,
      rpmbSize: 0n,
      userSize: 0xee5800000n,
      // "MT064GASAO2U21  ": the NUL padding is not part of the id, as for XFlash's GET_UFS_INFO
      id: '4d54303634474153414f325532312020',
      firmwareVersion: '',
    });
  });

  it('GET-HW-INFO of an eMMC phone (the layout in the cmd_get_hw_info docstring)', () => {
    const info = parseHwInfo(
      '<?xml version="1.0" encoding="utf-8"?><da_hw_info><version>1.2</version><ram_size>0x80000000</ram_size>' +
        '<battery_voltage>3900</battery_voltage><random_id>00</random_id><storage>EMMC</storage><emmc>' +
        '<block_size>0x200</block_size><boot1_size>0x400000</boot1_size><boot2_size>0x400000</boot2_size>' +
        '<rpmb_size>0x1000000</rpmb_size><user_size>0x3a3e00000</user_size><gp1_size>0</gp1_size>' +
        '<gp2_size>0</gp2_size><gp3_size>0</gp3_size><gp4_size>0</gp4_size><id>150100444836444142020F7C3D0B8C00</id>' +
        '</emmc><product_id></product_id></da_hw_info>',
      'x',
    );
    expect(info).toMatchObject({
      kind: 'emmc',
      blockSize: 512,
      userSize: 0x3a3e00000n,
      id: '150100444836444142020f7c3d0b8c00',
    });
    expect(() => parseHwInfo('<da_hw_info><storage>NAND</storage></da_hw_info>', 'x')).toThrow(
      /only eMMC and UFS/,
    );
    expect(() =>
      parseHwInfo(
        '<da_hw_info><storage>EMMC</storage><emmc><block_size>big</block_size></emmc></da_hw_info>',
        'x',
      ),
    ).toThrow(/block_size/);
  });

  it('DA.SLA property and the device firmware info', () => {
    expect(
      parseSlaProperty('<sys_property><item key="DA.SLA">DISABLED</item></sys_property>', 'DA.SLA', 'x'),
    ).toBe(false);
    expect(
      parseSlaProperty('<sys_property><item key="DA.SLA">ENABLED</item></sys_property>', 'DA.SLA', 'x'),
    ).toBe(true);
    expect(() => parseSlaProperty('<sys_property></sys_property>', 'DA.SLA', 'x')).toThrow(/DA\.SLA/);
    expect(hex(parseDevFwRandom('<sla version="1.0"><rnd>00ff10</rnd><hrid>aa</hrid></sla>', 'x'))).toBe(
      '00ff10',
    );
  });

  it("the DA's error texts are ones romctl explain knows", () => {
    for (const [said, name] of [
      ['ERR!UNSUPPORTED', 'STATUS_UNSUPPORT_CMD'],
      ['ERR!CANCEL', 'STATUS_ABORT'],
      ['Invalid DA Version', 'STATUS_SEC_INVALID_DA_VER'],
      ['Server is not authenticated. Locked.', 'STATUS_SEC_AUTH_FILE_NEEDED'],
      ['2nd DA address is invalid. reset.\r\n', 'STATUS_INVALID_PARAMETERS'],
    ]) {
      expect(explainCode(said as string).matches.map((m) => [m.by, m.entry.name])).toEqual([['text', name]]);
    }
  });
});

describe('fuzz', () => {
  it('any frame payload decodes to a reply or a RomctlError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => cleanly(() => decodeReply(b, 'x'))),
      {
        numRuns: 1000,
      },
    );
  });

  it('mangled documents decode to a document or a RomctlError', () => {
    const base =
      '<?xml version="1.0" encoding="utf-8"?><host><version>1.0</version><command>CMD:UPLOAD-FILE</command>' +
      '<arg><checksum>CHK_NO</checksum><info>x</info><target_file>ROM_0</target_file><packet_length>0x1000</packet_length></arg></host>';
    everyMangling(base, (text) => cleanly(() => decodeReply(Buffer.from(text), 'x')));
  });

  it('mangled hardware info and properties give StorageInfo or a RomctlError', () => {
    const base =
      '<da_hw_info><storage>UFS</storage><ufs><block_size>0x1000</block_size><lua0_size>0x400000</lua0_size>' +
      '<lua1_size>0x400000</lua1_size><lua2_size>0xee5800000</lua2_size><id>4D54</id></ufs></da_hw_info>';
    everyMangling(base, (text) => {
      cleanly(() => parseHwInfo(text, 'x'));
      cleanly(() => parseSlaProperty(text, 'DA.SLA', 'x'));
      cleanly(() => parseDevFwRandom(text, 'x'));
    });
  });
});

/** `check` on 1000 variants of `base` with a piece cut out and a short random string put in its place */
function everyMangling(base: string, check: (text: string) => void): void {
  fc.assert(
    fc.property(fc.nat(base.length), fc.nat(base.length), fc.string({ maxLength: 8 }), (at, cut, insert) =>
      check(base.slice(0, Math.min(at, cut)) + insert + base.slice(Math.max(at, cut))),
    ),
    { numRuns: 1000 },
  );
}
