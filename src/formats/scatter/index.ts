/** Scatter files: every format → one model (`parseScatter`), and back out as V1.1.x YAML or JSON. */
export * from './model.js';
export { detectScatterFormat, type ScatterDetection } from './detect.js';
export { parseScatter, type ParseScatterOptions } from './parse.js';
export { scatterAsV1, type V1Options } from './to-v1.js';
export { writeScatterYaml, writeScatterYamlV2 } from './write-yaml.js';
export { scatterToJson, type LayoutJson, type PartitionJson, type ScatterJson } from './json.js';
