import { describe, expect, it } from 'vitest';
import { parseScatter, scatterToJson } from '../../src/formats/scatter/index.js';
import { legacyText, v1Text, v2Text, xmlText } from './fixtures.js';
import { schemaValidator } from '../helpers/schema.js';

describe('schemas/scatter.schema.json', () => {
  const validate = schemaValidator('scatter');

  it.each([
    ['v1', v1Text()],
    ['v2', v2Text()],
    ['xml', xmlText()],
    ['legacy', legacyText()],
    ['ota', legacyText(undefined, false)],
  ])('accepts the converter output for generated %s scatters', (_format, text) => {
    const json = scatterToJson(parseScatter(text, { fileName: 'MT6589_Android_scatter_emmc.txt' }));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects numbers where hex strings belong and unknown properties', () => {
    const json = scatterToJson(parseScatter(v1Text()));
    const partition = json.layouts[0]!.partitions[0]!;
    expect(
      validate({ ...json, layouts: [{ ...json.layouts[0], partitions: [{ ...partition, size: 4096 }] }] }),
    ).toBe(false);
    expect(
      validate({ ...json, layouts: [{ ...json.layouts[0], partitions: [{ ...partition, line: 3 }] }] }),
    ).toBe(false);
    expect(validate({ ...json, format: 'v3' })).toBe(false);
  });
});
