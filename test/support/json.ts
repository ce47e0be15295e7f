/** parseError is this engine's own JSON.parse message for text: Node 24's V8 ends it with "(line 1 column 2)", Node 20's does not. */
export function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} parses`);
}
