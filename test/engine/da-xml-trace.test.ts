import { describe, expect, it } from 'vitest';
import { XmlDaClient, XmlDaError } from '../../src/engine/da/xml.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import {
  bringUpTrace,
  cmd,
  done,
  download,
  END_OK,
  host,
  playDa,
  progress,
  START,
  upload,
  type Line,
} from './xml-trace.js';

const da2 = Uint8Array.from({ length: 0x1800 }, (_, i) => (i * 7) & 0xff);

async function bringUp(extra: readonly Line[]) {
  const [hostEnd, phone] = createMemoryPair();
  const seen: string[] = [];
  const played = playDa(phone, [...bringUpTrace(da2), ...extra]);
  const client = await XmlDaClient.bringUp(hostEnd, {
    da2: { bytes: da2, loadAddress: 0x40000000 },
    checkMemory: (info) => void seen.push(`${info.kind} ${info.id}`),
    timeoutMs: 2000,
  });
  return { client, played, seen, phone };
}

describe('XML client against a literal DA trace', () => {
  it('brings the DA up: runtime parameters, init, host info, DA2 by DOWNLOAD-FILE, SLA off, the UFS id checked', async () => {
    const { played, seen } = await bringUp([]);
    await played;
    expect(seen).toEqual(['ufs 4d54303634474153414f325532312020']);
  });

  it('writes (FILE-SIZE, pre-erase report, DOWNLOAD-FILE padded to 512), reads, erases and reboots', async () => {
    const image = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const padded = new Uint8Array(1024);
    padded.set(image);
    const back = Uint8Array.from({ length: 0x1400 }, (_, i) => (i * 3) & 0xff);
    const { client, played } = await bringUp([
      [
        '>',
        cmd(
          'WRITE-FLASH',
          '<partition>UFS-LUA2</partition><offset>0x8000</offset><source_file>MEM://0x0:0x400</source_file>',
        ),
      ],
      ['<', 'OK'],
      ['<', host('CMD:FILE-SYS-OPERATION', '<key>FILE-SIZE</key><file_path>MEM://0x0:0x400</file_path>')],
      ['>', 'OK'],
      ['>', 'OK@0x400'],
      ...progress('erase'),
      ...download(padded, 0x200, 'download'),
      ...done,
      [
        '>',
        cmd(
          'READ-FLASH',
          '<partition>UFS-LUA0</partition><offset>0x0</offset><length>0x1400</length><target_file>ROM_0</target_file>',
        ),
      ],
      ['<', 'OK'],
      ...upload(back, 0x1000),
      ...done,
      [
        '>',
        cmd('ERASE-FLASH', '<partition>UFS-LUA1</partition><offset>0x0</offset><length>0x400000</length>'),
      ],
      ['<', 'OK'],
      ...progress('erase'),
      ...done,
      ['>', cmd('REBOOT', '<action>IMMEDIATE</action>')],
      ['<', 'OK'],
      ['<', END_OK],
      ['>', 'OK'],
    ]);
    await client.write('user', 0x8000n, image, 1000n);
    expect(Buffer.from(await client.readAll('boot1', 0n, 0x1400n)).equals(Buffer.from(back))).toBe(true);
    const steps: bigint[] = [];
    await client.format('boot2', 0n, 0x400000n, (p) => steps.push(p.done));
    expect(steps).toEqual([0x200000n, 0x400000n]);
    await client.shutdown();
    await played;
  });

  it('a CMD:END with an error result is thrown with the DA text, and the link stays in step', async () => {
    const { client, played } = await bringUp([
      ['>', cmd('ERASE-FLASH', '<partition>UFS-LUA2</partition><offset>0x0</offset><length>0x1000</length>')],
      ['<', 'OK'],
      ['<', host('CMD:END', '<result>ERR</result><message>STATUS_EXCEED_AVALIABLE_RANGE</message>')],
      ['>', 'OK'],
      ['<', START],
      ['>', 'OK'],
      ['>', cmd('REBOOT', '<action>IMMEDIATE</action>')],
      ['<', 'OK'],
      ['<', END_OK],
      ['>', 'OK'],
    ]);
    const error = await client.format('user', 0n, 0x1000n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XmlDaError);
    expect((error as Error).message).toBe(
      "DA refused ERASE-FLASH: 'STATUS_EXCEED_AVALIABLE_RANGE' (STATUS_EXCEED_AVALIABLE_RANGE)",
    );
    await client.shutdown();
    await played;
  });
});
