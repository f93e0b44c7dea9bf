import type { Layout } from '../../formats/scatter/model.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** `EMMC`, `UFS` … as a memory spec names the kind; a layout without a storage name is eMMC unless its regions say UFS */
function layoutKind(layout: Layout): string {
  if (layout.storage !== null) return layout.storage.toLowerCase();
  return layout.partitions.some((p) => /^UFS_/i.test(p.region ?? '')) ? 'ufs' : 'emmc';
}

/**
 * A phone's storage picks the scatter layout it is flashed with (a V2.x scatter has one for eMMC and one for UFS):
 * a memory that is given (`--memory`, `--probe`) and has no layout is refused; with several layouts, which one that
 * phone gets is noted.
 */
export const scatterStorageRule: Rule = {
  name: 'scatter storage',
  codes: ['package.no-layout-for-storage', 'scatter.storage-layout'],
  check(facts) {
    const scatter = facts.scatter;
    if (!scatter || scatter.model.layouts.length === 0) return [];
    const layouts = scatter.model.layouts;
    return facts.memories.flatMap((target) => {
      const kind = target.spec.storage?.kind;
      if (kind === undefined) return [];
      const layout = layouts.find((l) => layoutKind(l) === kind);
      if (!layout) {
        return [
          finding(
            'package.no-layout-for-storage',
            'error',
            `${target.label} has ${kind.toUpperCase()} storage and the scatter lays out only ` +
              `${layouts.map((l) => layoutKind(l).toUpperCase()).join('+')}`,
            { file: scatter.path },
            `use the package built for ${kind.toUpperCase()} phones of this model`,
            ['STATUS_STORAGE_MISMATCH (0xC0030006)'],
          ),
        ];
      }
      if (layouts.length === 1) return [];
      const regions = [...new Set(layout.partitions.flatMap((p) => (p.region === null ? [] : [p.region])))];
      return [
        finding(
          'scatter.storage-layout',
          'info',
          `${target.label} has ${kind.toUpperCase()} storage: it is flashed with the scatter's ` +
            `${layout.storage ?? kind.toUpperCase()} layout (${layout.partitions.length} partitions; ${regions.join(', ')})`,
          { file: scatter.path },
          'nothing to do: romctl flash picks this layout from the storage the phone reports',
        ),
      ];
    });
  },
};
