import type { Rule } from '../rule.js';
import { finding } from '../rule.js';
import { preloaderProject } from '../../formats/preloader/index.js';

/** The preloader must be built for the device's board (its project), not for a look-alike. */
export const devicePreloaderProjectRule: Rule = {
  name: 'device preloader project',
  codes: ['device.preloader-project'],
  check(facts) {
    const device = facts.device;
    if (!device || device.preloaderProjects.length === 0) return [];
    const known = new Set(device.preloaderProjects.map((project) => project.toLowerCase()));
    return [...facts.preloaders.values()].flatMap((preloader) => {
      const project = preloader.info ? preloaderProject(preloader.info) : null;
      if (project === null || known.has(project.toLowerCase())) return [];
      return [
        finding(
          'device.preloader-project',
          'error',
          `the preloader is built for project ${project}, ${device.codename} uses ` +
            `${device.preloaderProjects.join(' or ')}`,
          { file: preloader.path, partition: 'preloader' },
          `do not flash this preloader: leave it out (untick it) or use ${device.codename}'s own package`,
          ['S_FT_ENABLE_DRAM_FAIL (4032)', 'BROM only (MTK USB Port, 0e8d:0003)'],
        ),
      ];
    });
  },
};
