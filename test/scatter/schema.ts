import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

/** schemas/scatter.schema.json compiled with ajv (strict mode), for tests. */
export function scatterSchemaValidator() {
  const schema = JSON.parse(
    readFileSync(new URL('../../schemas/scatter.schema.json', import.meta.url), 'utf8'),
  ) as object;
  return new Ajv2020.default({ strict: true, allErrors: true }).compile(schema);
}
