/**
 * The XML DA's documents (reference §4.5): the host's command documents (`<da>` root) and the DA's documents and
 * file contents (`<host>` root, `<da_hw_info>`, the DA.SLA property, the device firmware info), read with
 * fast-xml-parser. Every reader throws a protocol error (exit 4) on anything it cannot use.
 */
import { xmlLibrary } from '../../formats/xml-library.js';
import type { StorageInfo } from './xflash-info.js';
import { protocolError } from './xflash-link.js';

export type XmlFields = readonly (readonly [string, string])[];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const element = ([tag, value]: readonly [string, string]) => `<${tag}>${escapeXml(value)}</${tag}>`;

/**
 * `<?xml …?><da><version>1.0</version><command>CMD:NAME</command><arg>…</arg><adv>…</adv></da>`, as mtkclient's
 * `create_cmd` lays it out (no `<arg>` at all when there are no arguments).
 */
export function commandDocument(
  name: string,
  args: XmlFields = [],
  options: { version?: string; adv?: XmlFields } = {},
): string {
  const arg = args.length > 0 ? `<arg>${args.map(element).join('')}</arg>` : '';
  const adv = options.adv && options.adv.length > 0 ? `<adv>${options.adv.map(element).join('')}</adv>` : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?><da><version>${options.version ?? '1.0'}</version>` +
    `<command>CMD:${name}</command>${arg}${adv}</da>`
  );
}

type Tree = Record<string, unknown>;

function parseTree(text: string, what: string, where: string): Tree {
  const { XMLParser, XMLValidator } = xmlLibrary();
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw protocolError(`${what} is not well-formed XML (${valid.err.msg})`, where);
  try {
    const tree: unknown = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      processEntities: true,
      ignoreDeclaration: true,
    }).parse(text);
    if (typeof tree !== 'object' || tree === null) throw new Error('no element');
    return tree as Tree;
  } catch (error) {
    throw protocolError(`${what} is not readable XML (${(error as Error).message})`, where, error);
  }
}

/** the text of a leaf element; '' for an empty one; undefined when absent or not a leaf */
function leaf(node: Tree, tag: string): string | undefined {
  const value = node[tag];
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const text = (value as Tree)['#text'];
    if (Object.keys(value).every((key) => key === '#text' || key.startsWith('@')))
      return typeof text === 'string' ? text : '';
  }
  return undefined;
}

function child(node: Tree, tag: string): Tree | undefined {
  const value = node[tag];
  if (value === '') return {};
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Tree) : undefined;
}

/** A document the DA sends: `<host><version>…</version><command>CMD:…</command><arg>…</arg></host>`. */
export interface DaDocument {
  command: string;
  /** the leaves of `<arg>` and of the root (`result`, `message`, `checksum`, `packet_length` …) */
  fields: Readonly<Record<string, string>>;
}

export function parseDaDocument(text: string, where: string): DaDocument {
  const root = child(parseTree(text, 'the DA document', where), 'host');
  const command = root && leaf(root, 'command');
  if (!root || !command) throw protocolError(`the DA sent a document without <host><command>`, where);
  const fields: Record<string, string> = {};
  for (const node of [root, child(root, 'arg') ?? {}]) {
    for (const key of Object.keys(node)) {
      const value = leaf(node, key);
      if (value !== undefined && !key.startsWith('@') && key !== '#text') fields[key] = value;
    }
  }
  return { command, fields };
}

/** `0x1000`, `4096`, `0` → bigint; anything else is a protocol error naming the field */
export function parseNumberField(value: string | undefined, name: string, where: string): bigint {
  const text = value?.trim() ?? '';
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text) || text.length > 20)
    throw protocolError(`the DA's <${name}> is '${value ?? '(missing)'}', not a number`, where);
  return BigInt(text);
}

/** a length or size the host works with in one piece (packet lengths, file sizes up to 2^53) */
export function parseSafeNumber(value: string | undefined, name: string, where: string, max: number): number {
  const number = parseNumberField(value, name, where);
  if (number > BigInt(max)) throw protocolError(`the DA's <${name}> ${value} exceeds ${max}`, where);
  return Number(number);
}

const hexId = (value: string | undefined) => (value ?? '').trim().toLowerCase();

/** UFS ids are product-name strings padded with NULs: the padding is not part of the id (as for XFlash) */
function withoutNulPadding(hex: string): string {
  return hex.replace(/(00)+$/, '');
}

/**
 * GET-HW-INFO's file (`<da_hw_info>`, mtkclient `get_hw_info`): storage EMMC → boot1/boot2/rpmb/user sizes and the
 * CID in `<id>` (or `<emmc_cid>`); UFS → LU0 (boot1), LU1 (boot2), LU2 (user) and the id in `<id>` (or `<ufs_cid>`).
 */
export function parseHwInfo(text: string, where: string): StorageInfo {
  const root = child(parseTree(text, 'the DA hardware info', where), 'da_hw_info');
  if (!root) throw protocolError('the DA hardware info has no <da_hw_info> root', where);
  const storage = leaf(root, 'storage')?.trim().toUpperCase();
  const number = (node: Tree, name: string) => parseNumberField(leaf(node, name), name, where);
  const blockSizeOf = (node: Tree) => parseSafeNumber(leaf(node, 'block_size'), 'block_size', where, 1 << 20);
  if (storage === 'EMMC') {
    const emmc = child(root, 'emmc');
    if (!emmc) throw protocolError('the DA reports eMMC storage without an <emmc> block', where);
    return {
      kind: 'emmc',
      blockSize: blockSizeOf(emmc),
      boot1Size: number(emmc, 'boot1_size'),
      boot2Size: number(emmc, 'boot2_size'),
      rpmbSize: number(emmc, 'rpmb_size'),
      userSize: number(emmc, 'user_size'),
      id: hexId(leaf(emmc, 'id') || leaf(emmc, 'emmc_cid')),
      firmwareVersion: hexId(leaf(emmc, 'fwver')),
    };
  }
  if (storage === 'UFS') {
    const ufs = child(root, 'ufs');
    if (!ufs) throw protocolError('the DA reports UFS storage without a <ufs> block', where);
    return {
      kind: 'ufs',
      blockSize: blockSizeOf(ufs),
      boot1Size: number(ufs, 'lua0_size'),
      boot2Size: number(ufs, 'lua1_size'),
      rpmbSize: 0n,
      userSize: number(ufs, 'lua2_size'),
      id: withoutNulPadding(hexId(leaf(ufs, 'id') || leaf(ufs, 'ufs_cid'))),
      firmwareVersion: hexId(leaf(ufs, 'ufs_fwver')),
    };
  }
  throw protocolError(
    `the DA reports storage '${storage ?? '(none)'}': only eMMC and UFS phones are supported`,
    where,
  );
}

/**
 * GET-SYS-PROPERTY's file for one key: an `<item key="DA.SLA">…</item>` whose value is `DISABLED` when the DA
 * does not ask for SLA (mtkclient `check_sla`). True when SLA is on.
 */
export function parseSlaProperty(text: string, key: string, where: string): boolean {
  const tree = parseTree(text, 'the DA system property', where);
  const items: Tree[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      for (const [tag, value] of Object.entries(node as Tree)) {
        if (tag === 'item') (Array.isArray(value) ? value : [value]).forEach((v) => items.push(asNode(v)));
        else visit(value);
      }
    }
  };
  visit(tree);
  const item = items.find((node) => node['@key'] === key);
  if (!item) throw protocolError(`the DA's system properties have no <item key="${key}">`, where);
  const value = typeof item['#text'] === 'string' ? item['#text'] : '';
  return value.trim().toUpperCase() !== 'DISABLED';
}

const asNode = (value: unknown): Tree =>
  typeof value === 'object' && value !== null ? (value as Tree) : { '#text': String(value) };

/** SECURITY-GET-DEV-FW-INFO's file: `<sla><rnd>hex</rnd>…</sla>` → the random bytes the SLA answer encrypts */
export function parseDevFwRandom(text: string, where: string): Uint8Array {
  const root = parseTree(text, 'the DA firmware info', where);
  const sla = child(root, 'sla') ?? root;
  const rnd = leaf(sla, 'rnd')?.trim() ?? '';
  if (!/^([0-9a-f]{2})+$/i.test(rnd))
    throw protocolError(`the DA firmware info has no usable <rnd> ('${rnd}')`, where);
  return Buffer.from(rnd, 'hex');
}
