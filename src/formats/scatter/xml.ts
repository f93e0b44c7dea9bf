import { RomctlError } from '../../errors.js';
import { xmlLibrary } from '../xml-library.js';
import { deriveSizes, partitionFromFields, setField, type FieldMap } from './fields.js';
import type { Layout, Partition, Scatter, SkippedEntry } from './model.js';
import { whereLine } from './text.js';
import { optionalText, parseAddress } from './values.js';

/** The XML scatter (`<root><general name="MTK_PLATFORM_CFG">…<storage_type name="EMMC">…`), same fields as V2 YAML. */

interface XmlNode {
  tag: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  text: string;
  line: number;
}

export function parseXmlScatter(text: string, fileName: string | undefined): Scatter {
  const valid = xmlLibrary().XMLValidator.validate(text);
  if (valid !== true) {
    throw new RomctlError(`not well-formed XML: ${valid.err.msg}`, {
      where: whereLine(fileName, valid.err.line),
      hint: 'fix the XML (an editor with XML checking shows the spot)',
    });
  }
  let tree: XmlNode[];
  try {
    tree = readTree(text);
  } catch (error) {
    // the validator lets a few malformed prologs through that the parser then rejects
    throw new RomctlError(`not well-formed XML: ${error instanceof Error ? error.message : String(error)}`, {
      where: fileName ?? 'scatter',
      hint: 'fix the XML (an editor with XML checking shows the spot)',
      cause: error,
    });
  }
  const root = tree.find((node) => node.tag.toLowerCase() === 'root');
  if (!root)
    throw new RomctlError('no <root> element', { where: fileName ?? 'scatter', hint: 'not an XML scatter' });
  const notes: string[] = [];
  const skipped: SkippedEntry[] = [];
  const general = root.children.find((node) => node.tag === 'general');
  const version = general?.children.find((node) => node.tag === 'config_version');
  const generalFields = new Map<string, string>();
  for (const node of version?.children ?? []) generalFields.set(node.tag, node.text);

  const layouts: Layout[] = [];
  const loose: Partition[] = [];
  for (const node of root.children) {
    if (node.tag === 'storage_type') layouts.push(readLayout(node, { fileName, notes, skipped }));
    else if (node.tag === 'partition_index') {
      const partition = readPartition(node, loose.length, { fileName, notes, skipped });
      if (partition) loose.push(partition);
    } else if (node.tag !== 'general') notes.push(`${whereLine(fileName, node.line)}: <${node.tag}> ignored`);
  }
  if (loose.length > 0) {
    deriveSizes(loose);
    layouts.unshift({ storage: null, bootChannel: null, blockSize: null, extra: {}, partitions: loose });
  }
  if (layouts.every((layout) => layout.partitions.length === 0)) {
    throw new RomctlError('no <partition_index> entries found', {
      where: fileName ?? 'scatter',
      hint: 'an XML scatter lists partitions as <partition_index name="SYS0"> elements',
    });
  }
  const extra: Record<string, string> = {};
  for (const [key, value] of generalFields) if (key !== 'platform' && key !== 'project') extra[key] = value;
  return {
    format: 'xml',
    configVersion: optionalText(version?.attributes.name),
    platform: optionalText(generalFields.get('platform')),
    project: optionalText(generalFields.get('project')),
    extra,
    layouts,
    notes,
    skipped,
  };
}

interface ParseLog {
  fileName: string | undefined;
  notes: string[];
  skipped: SkippedEntry[];
}

function readLayout(section: XmlNode, log: ParseLog): Layout {
  const { fileName } = log;
  const storage = section.children
    .find((node) => node.tag === 'general')
    ?.children.find((node) => node.tag === 'storage');
  const extra: Record<string, string> = {};
  let bootChannel: string | null = null;
  let blockSize: bigint | null = null;
  for (const node of storage?.children ?? []) {
    if (node.tag === 'boot_channel') bootChannel = optionalText(node.text);
    else if (node.tag === 'block_size' && optionalText(node.text) !== null) {
      blockSize = parseAddress(node.text, { key: 'block_size', where: whereLine(fileName, node.line) });
    } else extra[node.tag] = node.text;
  }
  const partitions = section.children
    .filter((node) => node.tag === 'partition_index')
    .flatMap((node, position) => readPartition(node, position, log) ?? []);
  deriveSizes(partitions);
  return {
    storage: optionalText(section.attributes.name) ?? optionalText(storage?.attributes.name),
    bootChannel,
    blockSize,
    extra,
    partitions,
  };
}

function readPartition(node: XmlNode, position: number, log: ParseLog): Partition | null {
  const { fileName, notes } = log;
  const fields: FieldMap = new Map();
  if (node.attributes.name !== undefined) {
    fields.set('partition_index', { key: 'partition_index', value: node.attributes.name, line: node.line });
  }
  for (const child of node.children) {
    if (child.children.length > 0) {
      throw new RomctlError(`<${child.tag}> holds elements, expected a value`, {
        where: whereLine(fileName, child.line),
        hint: 'partition fields are plain values such as <partition_size>0x8000</partition_size>',
      });
    }
    setField(fields, { key: child.tag, value: child.text, line: child.line }, notes, fileName);
  }
  return partitionFromFields(fields, { fileName, position, line: node.line, notes, skipped: log.skipped });
}

/** fast-xml-parser's ordered output → plain nodes with line numbers. */
function readTree(text: string): XmlNode[] {
  const { XMLParser } = xmlLibrary();
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    captureMetaData: true,
  });
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1))
    lineStarts.push(index + 1);
  const lineAt = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const META = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const convert = (raw: unknown[]): XmlNode[] =>
    raw.flatMap((item): XmlNode[] => {
      const record = item as Record<string | symbol, unknown>;
      const tag = Object.keys(record).find((key) => key !== ':@' && key !== '#text');
      if (tag === undefined) return [];
      const content = Array.isArray(record[tag]) ? (record[tag] as unknown[]) : [];
      const meta = record[META] as { startIndex?: number } | undefined;
      return [
        {
          tag,
          attributes: (record[':@'] as Record<string, string> | undefined) ?? {},
          children: convert(content),
          text: content
            .map((part) => (part as Record<string, unknown>)['#text'])
            .filter((part) => part !== undefined)
            .join(''),
          line: lineAt(meta?.startIndex ?? 0),
        },
      ];
    });
  return convert(parser.parse(text) as unknown[]);
}
