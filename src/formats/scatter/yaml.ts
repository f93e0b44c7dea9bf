import { RomctlError } from '../../errors.js';
import { deriveSizes, partitionFromFields, setField, type FieldMap } from './fields.js';
import type { Layout, Scatter, SkippedEntry } from './model.js';
import { splitLines, whereLine } from './text.js';
import { optionalText, parseAddress, quote } from './values.js';

/*
 * A tolerant reader for the YAML-like V1.1.x and V2.x scatters. It does not load YAML: it reads `key: value` lines and
 * knows the scatter's shape (general block, `storage_type` sections with their MTK_STORAGE_CFG, partition entries),
 * so banners, tabs, odd indentation, CRLF and trailers such as `[huaqin]` / `checkSum = 0x15bf` do not stop it, and
 * every value keeps its line number.
 */

interface Entry {
  fields: FieldMap;
  line: number;
}

interface Section {
  /** `storage_type:` value; null for the implicit section of a V1 file */
  storageType: string | null;
  line: number;
  header: FieldMap;
  config: FieldMap | null;
  partitions: Entry[];
}

interface Document {
  general: FieldMap | null;
  sections: Section[];
}

const KEY_LINE = /^[ \t]*(-[ \t]*)?([A-Za-z_][\w.-]*)[ \t]*:(.*)$/;
const GENERAL_KEYS = new Set(['config_version', 'platform', 'project']);
const STORAGE_KEYS = new Set(['storage', 'boot_channel', 'block_size']);

export function parseYamlScatter(text: string, fileName: string | undefined): Scatter {
  const notes: string[] = [];
  const skipped: SkippedEntry[] = [];
  const document = readDocument(text, fileName, notes);
  const general = document.general;
  if (general === null) notes.push('no `- general: MTK_PLATFORM_CFG` block: platform and project unknown');
  const multiStorage = document.sections.some((section) => section.storageType !== null);
  const configVersion = optionalText(general?.get('config_version')?.value);
  if (configVersion !== null && multiStorage !== /^V2/i.test(configVersion)) {
    notes.push(
      `config_version ${configVersion} but the file ${multiStorage ? 'has' : 'has no'} storage_type sections`,
    );
  }
  const layouts = document.sections.map((section) =>
    buildLayout(section, multiStorage ? section.config : general, { fileName, notes, skipped }),
  );
  if (layouts.every((layout) => layout.partitions.length === 0)) {
    throw new RomctlError('no partition entries found', {
      where: fileName ?? 'scatter',
      hint: 'a scatter lists partitions as `- partition_index: SYS<n>` entries',
    });
  }
  return {
    format: multiStorage ? 'v2' : 'v1',
    configVersion,
    platform: optionalText(general?.get('platform')?.value),
    project: optionalText(general?.get('project')?.value),
    extra: extraOf(general, multiStorage ? GENERAL_KEYS : new Set([...GENERAL_KEYS, ...STORAGE_KEYS])),
    layouts,
    notes,
    skipped,
  };
}

function buildLayout(
  section: Section,
  config: FieldMap | null,
  { fileName, notes, skipped }: { fileName: string | undefined; notes: string[]; skipped: SkippedEntry[] },
): Layout {
  const configStorage = optionalText(config?.get('storage')?.value);
  if (section.storageType !== null && configStorage !== null && configStorage !== section.storageType) {
    notes.push(
      `storage_type ${section.storageType} has MTK_STORAGE_CFG storage ${configStorage}; ${section.storageType} used`,
    );
  }
  const blockSizeField = config?.get('block_size');
  const blockSizeText = optionalText(blockSizeField?.value);
  const partitions = section.partitions.flatMap(
    (entry, position) =>
      partitionFromFields(entry.fields, { fileName, position, line: entry.line, notes, skipped }) ?? [],
  );
  deriveSizes(partitions);
  const extra = section.storageType === null ? {} : extraOf(config, STORAGE_KEYS);
  for (const field of section.header.values()) extra[field.key] = field.value;
  return {
    storage: section.storageType ?? configStorage,
    bootChannel: optionalText(config?.get('boot_channel')?.value),
    blockSize:
      blockSizeText === null
        ? null
        : parseAddress(blockSizeText, {
            key: 'block_size',
            where: whereLine(fileName, blockSizeField?.line ?? 0),
          }),
    extra,
    partitions,
  };
}

function extraOf(fields: FieldMap | null | undefined, known: ReadonlySet<string>): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [lower, field] of fields ?? []) if (!known.has(lower)) extra[field.key] = field.value;
  return extra;
}

/** Pass 1: lines → general block, sections and entries, with line numbers. */
function readDocument(text: string, fileName: string | undefined, notes: string[]): Document {
  const document: Document = { general: null, sections: [] };
  let target: FieldMap | null = null;
  const junk: { line: number; text: string }[] = [];
  const fail = (line: number, message: string, hint: string): never => {
    throw new RomctlError(message, { where: whereLine(fileName, line), hint });
  };

  splitLines(text).forEach((raw, position) => {
    const line = position + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = KEY_LINE.exec(raw);
    if (!match) {
      junk.push({ line, text: trimmed });
      return;
    }
    const first = junk[0];
    if (first) {
      fail(first.line, `expected \`key: value\`, found ${quote(first.text)}`, 'fix or remove the line');
    }
    const dash = match[1] !== undefined;
    const key = match[2] ?? '';
    const lower = key.toLowerCase();
    const value = cleanValue(match[3] ?? '');
    const field = { key, value, line };
    const current = document.sections.at(-1);

    if (dash && lower === 'general') {
      const kind = value.toUpperCase();
      if (kind === 'MTK_PLATFORM_CFG') {
        if (document.general !== null) notes.push(`${whereLine(fileName, line)}: a second general block`);
        document.general = target = new Map();
      } else if (kind === 'MTK_STORAGE_CFG') {
        if (current?.storageType == null) {
          fail(
            line,
            'MTK_STORAGE_CFG outside a `- storage_type:` section',
            'put it under `- storage_type: EMMC|UFS`',
          );
        }
        target = current!.config = new Map();
      } else {
        fail(
          line,
          `expected MTK_PLATFORM_CFG or MTK_STORAGE_CFG, found ${quote(value)}`,
          'fix the general line',
        );
      }
    } else if (dash && lower === 'storage_type') {
      if (current && current.storageType === null) {
        fail(line, 'a `- storage_type:` section after partitions outside any section', 'one style per file');
      }
      const section: Section = { storageType: value, line, header: new Map(), config: null, partitions: [] };
      document.sections.push(section);
      target = section.header;
    } else if (dash && (lower === 'partition_index' || lower === 'partition_name')) {
      let section = current;
      if (!section) {
        section = { storageType: null, line, header: new Map(), config: null, partitions: [] };
        document.sections.push(section);
      }
      const entry: Entry = { fields: new Map(), line };
      section.partitions.push(entry);
      target = entry.fields;
      setField(target, field, notes, fileName);
    } else if (dash && !(target === document.general || target === current?.config) && target !== null) {
      fail(
        line,
        `expected \`- partition_index: SYS<n>\`, found ${quote(trimmed)}`,
        'start each entry with its index',
      );
    } else if ((lower === 'info' || lower === 'description') && value === '') {
      return;
    } else if (target === null) {
      fail(
        line,
        `expected \`- general: MTK_PLATFORM_CFG\` or \`- partition_index:\` before ${quote(trimmed)}`,
        '',
      );
    } else {
      setField(target, field, notes, fileName);
    }
  });
  if (junk.length > 0) {
    notes.push(
      `ignored ${junk.length} line(s) after the last entry, from line ${junk[0]?.line}: ${quote(junk[0]?.text ?? '')}`,
    );
  }
  return document;
}

/** A value without quotes or a trailing `# comment`. */
function cleanValue(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('"')) {
    const end = /^"(?:[^"\\]|\\.)*"/.exec(text);
    if (end) {
      try {
        return JSON.parse(end[0]) as string;
      } catch {
        // not JSON-compatible escapes: fall through and keep it as written
      }
    }
  } else if (text.startsWith("'")) {
    const end = /^'((?:[^']|'')*)'/.exec(text);
    if (end?.[1] !== undefined) return end[1].replace(/''/g, "'");
  }
  const comment = text.search(/(^|\s)#/);
  return (comment >= 0 ? text.slice(0, comment) : text).trim();
}
