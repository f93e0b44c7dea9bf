import { Document, isScalar, visit } from 'yaml';

/**
 * A registry document as YAML: block style, short all-scalar lists (aliases, layout rows) on one line, long
 * lines kept whole, an optional comment on top.
 */
export function toYamlText(value: unknown, comment?: string): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item) && String(item.value).length < 60) && node.items.length <= 8) {
        node.flow = true;
      }
    },
  });
  if (comment) doc.commentBefore = ` ${comment}`;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
