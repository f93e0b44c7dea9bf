import { expect } from 'vitest';
import type { Transport } from '../../src/engine/transport/types.js';

/**
 * The XML client against literal wire traces: the DA's side is a fixed list of frames written out here from
 * mtkclient's `xml_lib.py` (and penumbra's `da/xml`), the host's side is checked frame by frame. `>` is what the
 * host must send (a document or an ack, exact text), `<` what the DA sends.
 */
export type Line = readonly ['>' | '<', string | Uint8Array];

const HEADER = (type: number, length: number) =>
  Buffer.from(`efeeeefe0${type}000000${Buffer.from(Uint32Array.of(length).buffer).toString('hex')}`, 'hex');

/** a flow frame as the DA sends it: the text and its NUL, or raw data */
function daFrame(body: string | Uint8Array): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(`${body}\0`) : Buffer.from(body);
  return Buffer.concat([HEADER(1, payload.length), payload]);
}

export async function playDa(phone: Transport, trace: readonly Line[]): Promise<void> {
  for (const [who, body] of trace) {
    if (who === '<') {
      await phone.write(daFrame(body));
      continue;
    }
    const header = await phone.read(12, 2000);
    const length = Buffer.from(header).readUInt32LE(8);
    expect(Buffer.from(header.subarray(0, 8)).toString('hex')).toBe('efeeeefe01000000');
    const payload = Buffer.from(await phone.read(length, 2000));
    // host texts end in NUL: documents with one, acks with two (mtkclient's xsend adds one to "OK\0")
    if (typeof body === 'string') expect(payload.toString('utf8').replace(/\0+$/, '')).toBe(body);
    else expect(payload.equals(Buffer.from(body))).toBe(true);
    if (typeof body === 'string' && body.startsWith('OK'))
      expect(payload.subarray(-2).toString('hex')).toBe('0000');
    else if (typeof body === 'string') expect(payload.subarray(-2)[1]).toBe(0);
  }
}

const X = '<?xml version="1.0" encoding="utf-8"?>';
export const cmd = (name: string, arg = '', version = '1.0', adv = '') =>
  `${X}<da><version>${version}</version><command>CMD:${name}</command>${arg ? `<arg>${arg}</arg>` : ''}${adv}</da>`;
export const host = (command: string, arg = '') =>
  `${X}<host><version>1.0</version><command>${command}</command>${arg ? `<arg>${arg}</arg>` : ''}</host>`;
export const START = host('CMD:START');
export const END_OK = host('CMD:END', '<result>OK</result>');

/** the DA's end of a transaction: CMD:END OK, → OK, CMD:START, → OK */
export const done: Line[] = [
  ['<', END_OK],
  ['>', 'OK'],
  ['<', START],
  ['>', 'OK'],
];
/** a DA-initiated progress report, as mtkclient follows it */
export const progress = (message: string): Line[] => [
  ['<', host('CMD:PROGRESS-REPORT', `<message>${message}</message>`)],
  ['>', 'OK'],
  ['<', 'OK!PROGRESS@50'],
  ['>', 'OK'],
  ['<', 'OK!EOT'],
  ['>', 'OK'],
];
export const upload = (data: Uint8Array, packet = 0x1000): Line[] => {
  const lines: Line[] = [
    [
      '<',
      host(
        'CMD:UPLOAD-FILE',
        `<checksum>CHK_NO</checksum><info>x</info><target_file>ROM_0</target_file><packet_length>0x${packet.toString(16)}</packet_length>`,
      ),
    ],
    ['>', 'OK'],
    ['<', `OK@0x${data.length.toString(16)}`],
    ['>', 'OK'],
  ];
  for (let at = 0; at < data.length; at += packet) {
    lines.push(['<', 'OK'], ['>', 'OK'], ['<', data.subarray(at, at + packet)], ['>', 'OK']);
  }
  return lines;
};
export const download = (data: Uint8Array, packet: number, info: string): Line[] => {
  const lines: Line[] = [
    [
      '<',
      host(
        'CMD:DOWNLOAD-FILE',
        `<checksum>CHK_NO</checksum><info>${info}</info><source_file>MEM://0x0:0x${data.length.toString(16)}</source_file><packet_length>0x${packet.toString(16)}</packet_length>`,
      ),
    ],
    ['>', 'OK'],
    ['>', `OK@0x${data.length.toString(16)}`],
    ['<', 'OK'],
  ];
  for (let at = 0; at < data.length; at += packet) {
    lines.push(['>', 'OK@0x0'], ['<', 'OK'], ['>', data.subarray(at, at + packet)], ['<', 'OK']);
  }
  return lines;
};

export const HW_INFO =
  '<?xml version="1.0" encoding="utf-8"?><da_hw_info><version>1.2</version><ram_size>0x100000000</ram_size>' +
  '<battery_voltage>3810</battery_voltage><random_id>4340bfebf6ace4e325f71f7d37ab15aa</random_id><storage>UFS</storage>' +
  '<ufs><block_size>0x1000</block_size><lua0_size>0x400000</lua0_size><lua1_size>0x400000</lua1_size>' +
  '<lua2_size>0xee5800000</lua2_size><lua3_size>0</lua3_size><id>4D54303634474153414F32553231202000000000</id></ufs>' +
  '<product_id></product_id></da_hw_info>';
export const SLA_OFF =
  '<?xml version="1.0" encoding="utf-8"?><sys_property><item key="DA.SLA">DISABLED</item></sys_property>';
export const CAPS =
  '<host_capability>CMD:DOWNLOAD-FILE^1@CMD:FILE-SYS-OPERATION^1@CMD:PROGRESS-REPORT^1@CMD:UPLOAD-FILE^1@</host_capability>';

/** mtkclient's bring-up order, DA2 of `da2` bytes loaded at 0x40000000, an unsupported HOST-SUPPORTED-COMMANDS in DA2 */
export const bringUpTrace = (da2: Uint8Array, packet = 0x1000): Line[] => [
  ['<', START],
  ['>', 'OK'],
  [
    '>',
    cmd(
      'SET-RUNTIME-PARAMETER',
      '<checksum_level>NONE</checksum_level><battery_exist>AUTO-DETECT</battery_exist><da_log_level>INFO</da_log_level><log_channel>UART</log_channel><system_os>LINUX</system_os>',
      '1.1',
      '<adv><initialize_dram>YES</initialize_dram></adv>',
    ),
  ],
  ['<', 'OK'],
  ...done,
  ['>', cmd('HOST-SUPPORTED-COMMANDS', CAPS)],
  ['<', 'OK'],
  ...done,
  ['>', cmd('NOTIFY-INIT-HW')],
  ['<', 'OK'],
  ...progress('init-hw'),
  ...done,
  ['>', cmd('SET-HOST-INFO', '<info>romctl</info>')],
  ['<', 'OK'],
  ...done,
  [
    '>',
    cmd(
      'BOOT-TO',
      `<at_address>0x40000000</at_address><jmp_address>0x40000000</jmp_address><source_file>MEM://0x0:0x${da2.length.toString(16)}</source_file>`,
    ),
  ],
  ['<', 'OK'],
  ...download(da2, packet, '2nd-DA'),
  ...done,
  ['>', cmd('HOST-SUPPORTED-COMMANDS', CAPS)],
  // a DA2 that does not know the command: ERR!UNSUPPORTED, then it ends the command as usual
  ['<', 'ERR!UNSUPPORTED'],
  ['<', host('CMD:END', '<result>ERR</result><message>ERR!UNSUPPORTED</message>')],
  ['>', 'OK'],
  ['<', START],
  ['>', 'OK'],
  ['>', cmd('NOTIFY-INIT-HW')],
  ['<', 'OK'],
  ...done,
  ['>', cmd('GET-SYS-PROPERTY', '<key>DA.SLA</key><target_file>MEM://0x0:0x200000</target_file>')],
  ['<', 'OK'],
  ...upload(Buffer.from(SLA_OFF)),
  ...done,
  ['>', cmd('GET-HW-INFO', '<target_file>MEM://0x0:0x200000</target_file>')],
  ['<', 'OK'],
  ...upload(Buffer.from(HW_INFO)),
  ...done,
];
