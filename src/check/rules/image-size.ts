import type { Rule } from '../rule.js';
import { finding, hex } from '../rule.js';

/** Each image is readable and fits its partition; sparse images count at their expanded size (DESIGN §4.3). */
export const imageSizeRule: Rule = {
  name: 'image size',
  codes: ['image.unreadable', 'image.sparse-invalid', 'image.too-large', 'image.empty'],
  check(facts) {
    const reported = new Set<string>();
    return facts.files.flatMap(({ partition, path }) => {
      const image = path === undefined ? undefined : facts.images.get(path);
      if (!partition.isDownload || !image) return [];
      const subject = { file: image.path, partition: partition.name };
      const firstReport = !reported.has(image.path);
      reported.add(image.path);
      if (image.readError) {
        if (!firstReport) return [];
        return [
          finding(
            'image.unreadable',
            'error',
            `could not read ${image.path} to the end: ${image.readError}`,
            subject,
            'the archive is damaged or incomplete: download the package again',
          ),
        ];
      }
      if (image.sparseError) {
        if (!firstReport) return [];
        return [
          finding(
            'image.sparse-invalid',
            'error',
            `broken sparse image: ${image.sparseError.message}`,
            { ...subject, offset: image.sparseError.offset },
            'the image is damaged: download the package again',
            ['STATUS_UNKNOWN_SPARSE_CHUNK_TYPE (0xC0040005)', 'STATUS_WRITE_SPARSE_IMAGE_FAIL (0xC004000C)'],
          ),
        ];
      }
      if (image.size === 0n) {
        return [
          finding(
            'image.empty',
            'warning',
            `${image.path} is empty`,
            subject,
            'an empty image erases nothing and writes nothing: check the package is complete',
          ),
        ];
      }
      if (partition.size !== null && image.writtenSize > partition.size) {
        const sparse = image.writtenSize !== image.size ? ' (expanded sparse size)' : '';
        return [
          finding(
            'image.too-large',
            'error',
            `${image.path} is ${hex(image.writtenSize)} bytes${sparse}, larger than ${partition.name} ` +
              `(${hex(partition.size)})`,
            subject,
            'the image is not for this layout: use the scatter and images from the same firmware release',
            ['STATUS_TOO_LARGE (0xC0040004)', 'S_FT_DOWNLOAD_FAIL (4008)'],
          ),
        ];
      }
      return [];
    });
  },
};
