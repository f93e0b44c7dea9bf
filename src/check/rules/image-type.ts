import { declaredTypeAccepts, type ImageKind } from '../../formats/image-kind.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** The image's content matches the type the scatter declares for its partition (DESIGN §4.3). */
export const imageTypeRule: Rule = {
  name: 'image type',
  codes: ['image.type-mismatch'],
  check(facts) {
    return facts.files.flatMap(({ partition, path }) => {
      const image = path === undefined ? undefined : facts.images.get(path);
      if (!partition.isDownload || !image || partition.type === null || image.size === 0n) return [];
      const fit = declaredTypeAccepts(partition.type, image.kind as ImageKind);
      if (fit.accepts) return [];
      const preloader = partition.type.toUpperCase() === 'SV5_BL_BIN';
      return [
        finding(
          'image.type-mismatch',
          'error',
          `${partition.name}: ${fit.reason}`,
          { file: image.path, partition: partition.name },
          'the wrong file is in the package under this name: use the image from the same firmware release',
          preloader
            ? ['S_DL_PC_BL_INVALID_GFH_FILE_INFO (5066)', 'STATUS_PRELOADER_INVALID (0xC0030004)']
            : [],
        ),
      ];
    });
  },
};
