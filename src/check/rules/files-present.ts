import { posix } from 'node:path';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** Every downloadable entry's image is in the package (DESIGN §4.3). */
export const filesPresentRule: Rule = {
  name: 'files present',
  codes: ['file.missing', 'file.name-case'],
  check(facts) {
    const scatterPath = facts.scatter?.path;
    return facts.files.flatMap(({ partition, path, caseDiffers, elsewhere }) => {
      if (!partition.isDownload || partition.fileName === null) return [];
      const subject = { file: scatterPath, partition: partition.name, line: partition.line || undefined };
      if (path === undefined) {
        // legacy scatters name no files: a missing conventional name is a doubt, not a certainty
        return [
          finding(
            'file.missing',
            partition.fileNameImplied ? 'warning' : 'error',
            partition.fileNameImplied
              ? `no image for ${partition.name}: this old scatter names no files and ${partition.fileName} is not there`
              : `${partition.fileName} (for ${partition.name}) is not in the package`,
            subject,
            elsewhere !== undefined
              ? `the images are in ${folderOf(elsewhere)}, not beside the scatter (SP Flash Tool reads them ` +
                  `from the scatter's folder): put ${posix.basename(scatterPath ?? 'the scatter')} in ` +
                  `${folderOf(elsewhere)} with them`
              : 'the package is incomplete: download it again, or get the missing image from the same firmware release',
          ),
        ];
      }
      if (caseDiffers) {
        return [
          finding(
            'file.name-case',
            'warning',
            `the scatter names ${partition.fileName} but the package has ${path}`,
            { ...subject, file: path },
            'rename the file to match the scatter: case-sensitive systems (Linux, macOS tools) will not find it',
          ),
        ];
      }
      return [];
    });
  },
};

function folderOf(path: string): string {
  const folder = posix.dirname(path);
  return folder === '.' ? 'the top folder of the package' : `${folder}/`;
}
