import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

/** `schemas/<name>.schema.json` compiled with ajv in strict mode, to validate real output in tests. */
export function schemaValidator(name: string) {
  const schema = JSON.parse(
    readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8'),
  ) as object;
  return new Ajv2020.default({ strict: true, allErrors: true }).compile(schema);
}
