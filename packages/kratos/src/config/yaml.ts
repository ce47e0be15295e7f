import { CORE_SCHEMA, loadAll } from "js-yaml";
import { escapeControls } from "../text.js";

/**
 * The most nodes one YAML document may expand to when walked: keys of a config, keys and items of a request body.
 * Aliases are shared, not copied, when loaded; a walk that follows them counts every visit, so a billion-laughs
 * document stops here instead of expanding to 10^10 nodes.
 */
export const maxNodes = 100_000;

/**
 * The deepest a walk may go. js-yaml refuses documents nested deeper than this, but an alias to an enclosing
 * anchor (a: &a {b: *a}) makes a cycle, which a walk would follow until the stack overflows.
 */
export const maxDepth = 100;

/** NodeBudget counts the nodes a walk visits, up to maxNodes. */
export class NodeBudget {
  private left = maxNodes;

  /** spend counts one node; false once the walk has visited more than maxNodes. */
  spend(): boolean {
    return --this.left >= 0;
  }
}

/**
 * loadYaml parses one YAML document with the YAML 1.2 core schema: plain data only, no custom tags,
 * no timestamps, no << merge keys; an empty document is undefined. It throws js-yaml's error on bad YAML,
 * and an Error on a stream of several documents. Walk the result with a NodeBudget.
 */
export function loadYaml(text: string, filename?: string): unknown {
  const docs = loadAll(text, { schema: CORE_SCHEMA, filename });
  if (docs.length > 1) throw new Error(`holds ${docs.length} YAML documents; want one`);
  return docs[0];
}

/**
 * yamlErrorReason says in one line what is wrong with a YAML or JSON text and where: "reason at line L, column C"
 * for YAML, V8's words for JSON. Control characters are escaped: V8 quotes the text around a JSON error as it is,
 * so a line break or a terminal escape in the text would be in the message.
 */
export function yamlErrorReason(err: unknown): string {
  const e = err as Error & { reason?: string; mark?: { line: number; column: number } };
  if (e.reason && e.mark) return `${escapeControls(e.reason)} at line ${e.mark.line + 1}, column ${e.mark.column + 1}`;
  return escapeControls(String(e.message));
}
