import { BromClient, type BromIdentity } from '../../engine/brom.js';
import { detectPorts, listSerialPorts, type DetectedPort } from '../../engine/detect.js';
import { openSerialTransport } from '../../engine/transport/serial.js';
import { ExitCode } from '../../errors.js';
import type { Output } from '../output.js';
import { timeoutOf, waitForPort } from './flash-link.js';

export async function runDetect(
  output: Output,
  options: { port?: string; timeout?: string },
): Promise<number> {
  if (options.port !== undefined) return probe(output, options.port);
  let ports = await detectPorts();
  // no phone yet: wait for one to be plugged in (--timeout 0s lists what is there now)
  if (timeoutOf(options) > 0 && !ports.some((port) => port.mode !== null)) {
    await waitForPort(output, options, listSerialPorts);
    ports = await detectPorts();
  }
  if (output.json) {
    output.printJson({ ports });
    return ExitCode.ok;
  }
  if (ports.length === 0) {
    output.line('no MediaTek phone found');
    output.note(
      'plug the switched-off phone in (hold volume up/down for BROM mode); on Linux check permissions with romctl doctor',
    );
    return ExitCode.ok;
  }
  for (const port of ports) output.line(describePort(output, port));
  return ExitCode.ok;
}

function describePort(output: Output, port: DetectedPort): string {
  const mode = port.mode ? output.style.bold(` [${port.mode.toUpperCase()}]`) : '';
  const note = port.note
    ? ` — ${port.kind.startsWith('mtk') ? port.note : output.style.yellow(port.note)}`
    : '';
  return `${port.path}  ${port.usbId}  ${port.label}${mode}${note}`;
}

async function probe(output: Output, path: string): Promise<number> {
  const listed = (await detectPorts()).find((p) => p.path === path);
  const transport = await openSerialTransport(path);
  try {
    const client = new BromClient(transport);
    await client.handshake({ preloaderPort: listed?.mode === 'preloader' });
    const identity = await client.identify();
    if (output.json) output.printJson({ port: path, ...identityJson(identity) });
    else printIdentity(output, path, identity);
    return ExitCode.ok;
  } finally {
    await transport.close();
  }
}

const hex = (value: number, digits: number) => `0x${value.toString(16).padStart(digits, '0')}`;

function identityJson(id: BromIdentity) {
  return {
    mode: id.mode,
    hwCode: hex(id.hwCode, 4),
    chip: id.chip?.names[0] ?? null,
    daProtocol: id.chip?.daProtocol ?? null,
    hwSubCode: hex(id.hwSubCode, 4),
    hwVersion: hex(id.hwVersion, 4),
    swVersion: hex(id.swVersion, 4),
    bromVersion: id.bromVersion,
    preloaderVersion: id.preloaderVersion,
    targetConfig: { ...id.targetConfig, raw: hex(id.targetConfig.raw, 8) },
    meId: Buffer.from(id.meId).toString('hex'),
    socId: id.socId ? Buffer.from(id.socId).toString('hex') : null,
    watchdogDisabled: id.watchdogDisabled,
    watchdogRefusal: id.watchdogRefusal === null ? null : hex(id.watchdogRefusal, 4),
  };
}

function printIdentity(output: Output, path: string, id: BromIdentity): void {
  const json = identityJson(id);
  const t = id.targetConfig;
  const protections = (['sbc', 'sla', 'daa'] as const).filter((k) => t[k]).map((k) => k.toUpperCase());
  output.line(`${path}: ${output.style.bold(id.mode === 'brom' ? 'BROM' : 'preloader')} mode`);
  output.line(
    `  chip          ${json.chip ?? 'unknown'} (hw code ${json.hwCode}, ${json.daProtocol ?? 'unknown'} DA)`,
  );
  output.line(`  versions      sub code ${json.hwSubCode}, hw ${json.hwVersion}, sw ${json.swVersion}`);
  output.line(
    `  target config ${json.targetConfig.raw} (${protections.length ? protections.join(', ') : 'no protection'})`,
  );
  if (json.watchdogRefusal) {
    output.line(`  watchdog      the boot ROM refused the disable write (status ${json.watchdogRefusal})`);
  }
  output.line(`  ME id         ${json.meId}`);
  if (json.socId) output.line(`  SoC id        ${json.socId}`);
}
