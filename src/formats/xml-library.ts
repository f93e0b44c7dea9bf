import { createRequire } from 'node:module';

type FastXmlParser = typeof import('fast-xml-parser');
let fastXmlParser: FastXmlParser | undefined;

/** fast-xml-parser, loaded on first use only: it costs more start-up time than most commands need. */
export function xmlLibrary(): FastXmlParser {
  fastXmlParser ??= createRequire(import.meta.url)('fast-xml-parser') as FastXmlParser;
  return fastXmlParser;
}
