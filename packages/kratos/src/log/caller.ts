const frameRE = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/;
const skipRE = /node_modules[\\/]pino|[\\/]log[\\/](logger|caller)\.[jt]s:|\(node:|^\s*at node:/;

/** callerOf returns dir/file:line of the first stack frame outside pino and this package. */
export function callerOf(stack: string | undefined): string {
  if (!stack) return "";
  const lines = stack.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (skipRE.test(line)) continue;
    const m = frameRE.exec(line.trim());
    if (!m) continue;
    const parts = (m[1] as string).split(/[\\/]/);
    return `${parts.slice(-2).join("/")}:${m[2]}`;
  }
  return "";
}
