import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

const compiled = new Map<string, ValidateFunction>();

function validator(kind: 'device' | 'bundle'): ValidateFunction {
  let validate = compiled.get(kind);
  if (!validate) {
    const file = fileURLToPath(new URL(`../../schemas/${kind}.schema.json`, import.meta.url));
    const schema = JSON.parse(readFileSync(file, 'utf8')) as object;
    validate = new Ajv2020.default({ strict: true, allErrors: true }).compile(schema);
    compiled.set(kind, validate);
  }
  return validate;
}

/** Schema problems of a device or bundle document, one line each (`/variants/0/storageId must match …`). */
export function schemaCheck(kind: 'device' | 'bundle', value: unknown): string[] {
  const validate = validator(kind);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => {
    const at = error.instancePath || '/';
    const extra =
      error.keyword === 'additionalProperties'
        ? ` '${String((error.params as { additionalProperty?: string }).additionalProperty)}'`
        : '';
    return `${at} ${error.message ?? 'is invalid'}${extra}`;
  });
}
