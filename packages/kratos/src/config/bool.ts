/** parseBool reads true/1 and false/0, the boolean spellings config, flags and URLs share; anything else is undefined. */
export function parseBool(text: string): boolean | undefined {
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return undefined;
}
