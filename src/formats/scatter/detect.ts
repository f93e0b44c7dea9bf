import type { ScatterFormat } from './model.js';
import { decodeScatterText } from './text.js';

/** What a file is: a scatter format, or (format null) a description of what it is instead. */
export interface ScatterDetection {
  format: ScatterFormat | null;
  /** `an MTK scatter file (YAML V1.1.x)`, `a PNG image`, `a Qualcomm rawprogram XML (QFIL/EDL)` … */
  description: string;
}

const FORMAT_DESCRIPTIONS: Readonly<Record<ScatterFormat, string>> = {
  legacy: 'an MTK scatter file (legacy text format)',
  v1: 'an MTK scatter file (YAML V1.1.x)',
  v2: 'an MTK scatter file (YAML V2.x, multi-storage)',
  xml: 'an MTK scatter file (XML)',
  ota: 'an MTK OTA layout list (ota_scatter/update_scatter: `name 0xADDR` lines)',
};

const MAGIC: readonly (readonly [string, string])[] = [
  ['\x89PNG\r\n\x1a\n', 'a PNG image'],
  ['\xff\xd8\xff', 'a JPEG image'],
  ['PK\x03\x04', 'a zip archive'],
  ['\x1f\x8b', 'a gzip archive'],
  ['Rar!', 'a RAR archive'],
  ['7z\xbc\xaf', 'a 7-Zip archive'],
  ['\x7fELF', 'an ELF program'],
  ['%PDF', 'a PDF document'],
  ['\x3a\xff\x26\xed', 'an Android sparse image'],
  ['ANDROID!', 'an Android boot image'],
  ['MMM\x01', 'an MTK GFH image (preloader, lk …)'],
  ['EMMC_BOOT', 'an MTK preloader boot-region image'],
  ['UFS_BOOT', 'an MTK preloader boot-region image'],
  ['COMBO_BOOT', 'an MTK preloader boot-region image'],
];

const YAML_MARK = /^[ \t]*-[ \t]*(general[ \t]*:[ \t]*MTK_PLATFORM_CFG|partition_index[ \t]*:)/im;
const STORAGE_SECTION = /^[ \t]*-[ \t]*storage_type[ \t]*:/im;
const ADDRESS_LINE = /^[ \t]*[A-Za-z_][\w.-]*[ \t]+(0x[0-9a-f]+|\d+)[ \t]*(\{[ \t]*\}?)?[ \t]*$/i;

export function detectScatterFormat(input: string | Buffer): ScatterDetection {
  return detectDecoded(decodeScatterText(input), headOf(input));
}

/** Detection on already-decoded text; `head` is the first raw bytes as Latin-1 (for magic numbers). */
export function detectDecoded(text: string, head: string): ScatterDetection {
  const magic = MAGIC.find(([signature]) => head.startsWith(signature));
  if (magic) return other(magic[1]);
  if (text.trim() === '') return other('an empty file');
  if (text.slice(0, 4096).includes('\u0000')) return other('a binary file');
  const start = text.trimStart();
  if (start.startsWith('<')) return detectXml(start);
  if (YAML_MARK.test(text)) return scatter(STORAGE_SECTION.test(text) ? 'v2' : 'v1');
  const lines = text.split(/\r\n|\r|\n/).map((line) => line.trim());
  const significant = lines.filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('//'));
  if (significant[0] !== undefined && ADDRESS_LINE.test(significant[0])) {
    return scatter(
      significant.some((line) => line.startsWith('{')) || /\{/.test(significant[0]) ? 'legacy' : 'ota',
    );
  }
  if (/^\[(VERSION|CheckSum|IsEnableChecksum)\]/im.test(text)) return other('an SP Flash Tool Checksum.ini');
  if (start.startsWith('{') || start.startsWith('[')) return other('a JSON file');
  return other('a text file without scatter entries');
}

function detectXml(text: string): ScatterDetection {
  const body = text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g, '');
  const root = /<([A-Za-z_][\w.:-]*)/.exec(body)?.[1]?.toLowerCase();
  if (root === 'root' && /MTK_PLATFORM_CFG|<partition_index\b/.test(body)) return scatter('xml');
  if (root === 'data' && /<program\b/i.test(body)) return other('a Qualcomm rawprogram XML (QFIL/EDL)');
  if (root === 'patches' || (root === 'data' && /<patch\b/i.test(body)))
    return other('a Qualcomm patch XML (QFIL/EDL)');
  if (root === 'flashtool-config') {
    return other('an SP Flash Tool download configuration (flashtool-config XML)');
  }
  return other(
    root === undefined ? 'an XML fragment without elements' : `an XML file with root element <${root}>`,
  );
}

export function headOf(input: string | Buffer): string {
  return typeof input === 'string' ? input.slice(0, 16) : input.subarray(0, 16).toString('latin1');
}

const scatter = (format: ScatterFormat): ScatterDetection => ({
  format,
  description: FORMAT_DESCRIPTIONS[format],
});
const other = (description: string): ScatterDetection => ({ format: null, description });
