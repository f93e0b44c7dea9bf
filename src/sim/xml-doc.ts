/**
 * The XML documents of the V6 DA protocol as the simulated DA reads and writes them (reference §4.5, mtkclient
 * `xml_cmd.py`): the host sends `<da><version>…</version><command>CMD:NAME</command><arg>…</arg><adv>…</adv></da>`,
 * the DA answers with `<host>` documents of the same shape.
 */
import { createRequire } from 'node:module';

type FastXmlParser = typeof import('fast-xml-parser');
let fastXmlParser: FastXmlParser | undefined;

/** loaded when a simulated V6 phone first reads a command */
function xmlLibrary(): FastXmlParser {
  fastXmlParser ??= createRequire(import.meta.url)('fast-xml-parser') as FastXmlParser;
  return fastXmlParser;
}

export interface HostCommand {
  /** the name after `CMD:`, e.g. `WRITE-FLASH` */
  name: string;
  version: string;
  /** the text children of `<arg>` */
  args: Readonly<Record<string, string>>;
  /** the text children of `<adv>` */
  adv: Readonly<Record<string, string>>;
}

/** A host command document, or the reason it is not one (not XML, no `<da>` root, no `CMD:` command). */
export function readHostCommand(text: string): HostCommand | string {
  const lib = xmlLibrary();
  let parsed: unknown;
  try {
    // the validator passes some broken processing instructions that the parser then throws on (found by fuzzing)
    const valid = lib.XMLValidator.validate(text);
    if (valid !== true) return `not well-formed XML: ${valid.err.msg}`;
    parsed = new lib.XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: true }).parse(
      text,
    );
  } catch (error) {
    return `not well-formed XML: ${error instanceof Error ? error.message : String(error)}`;
  }
  const root = (parsed as Record<string, unknown>)['da'];
  if (!isRecord(root)) return 'no <da> document';
  const command = root['command'];
  if (typeof command !== 'string' || !command.startsWith('CMD:')) return 'no <command>CMD:…</command>';
  return {
    name: command.slice(4),
    version: typeof root['version'] === 'string' ? root['version'] : '',
    args: textChildren(root['arg']),
    adv: textChildren(root['adv']),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textChildren(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(node)) return out;
  for (const [key, value] of Object.entries(node)) if (typeof value === 'string') out[key] = value;
  return out;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => escapes[c] as string);

/** A DA → host document: `<host>` with the command and its `<arg>` children, in order. */
export function hostDocument(command: string, args: ReadonlyArray<[string, string]> = []): string {
  const body = args.map(([key, value]) => `<${key}>${escapeXml(value)}</${key}>`).join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?><host><version>1.0</version>` +
    `<command>CMD:${command}</command><arg>${body}</arg></host>`
  );
}

/** `MEM://0x<address>:0x<length>` → length; null for anything else */
export function memFileLength(path: string | undefined): bigint | null {
  const m = /^MEM:\/\/0x[0-9a-f]+:0x([0-9a-f]+)$/i.exec(path ?? '');
  return m ? BigInt(`0x${m[1] as string}`) : null;
}

/** a `0x…` (or decimal) number argument; null when absent or not a number */
export function numberArg(value: string | undefined): bigint | null {
  if (value === undefined || !/^(0x[0-9a-f]+|[0-9]+)$/i.test(value)) return null;
  return BigInt(value);
}
