import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

const folder = new URL('../../schemas/', import.meta.url);

/** every schema of `schemas/` in one strict ajv, so one may $ref another (fetch → report) */
function loadAll() {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.schema.json')))
    ajv.addSchema(JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as object);
  return ajv;
}

let ajv: ReturnType<typeof loadAll> | undefined;

/** `schemas/<name>.schema.json` compiled with ajv in strict mode, to validate real output in tests. */
export function schemaValidator(name: string) {
  ajv ??= loadAll();
  const validate = ajv.getSchema(`https://romctl.dev/schemas/${name}.schema.json`);
  if (!validate) throw new Error(`no schema ${name}`);
  return validate;
}
