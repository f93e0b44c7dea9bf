import { RomctlError } from '../../errors.js';
import { detectDecoded, headOf } from './detect.js';
import { parseLegacyScatter } from './legacy.js';
import type { Scatter } from './model.js';
import { decodeScatterText } from './text.js';
import { parseXmlScatter } from './xml.js';
import { parseYamlScatter } from './yaml.js';

export interface ParseScatterOptions {
  /** for messages (`file:line`) and, in legacy files only, as a hint for platform and storage */
  fileName?: string;
}

/** Any scatter format → the one Scatter model; bad input → RomctlError naming the line and what was expected. */
export function parseScatter(input: string | Buffer, options: ParseScatterOptions = {}): Scatter {
  const { fileName } = options;
  const text = decodeScatterText(input);
  const detection = detectDecoded(text, headOf(input));
  switch (detection.format) {
    case 'v1':
    case 'v2':
      return parseYamlScatter(text, fileName);
    case 'xml':
      return parseXmlScatter(text, fileName);
    case 'legacy':
    case 'ota':
      return parseLegacyScatter(text, fileName, detection.format === 'ota');
    case null:
      throw new RomctlError(`this is ${detection.description}, not an MTK scatter file`, {
        where: fileName,
        hint: 'expected an SP Flash Tool scatter (MTxxxx_Android_scatter.txt or .xml)',
      });
  }
}
