import { Writable } from "node:stream";
import { newLogger } from "@kratos-ts/kratos/log";

/** sink takes every line and keeps nothing, so only a logger's own cost is measured. */
export function sink(): Writable {
  return Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { write: () => true });
}

/** quietLogger writes nothing: what the servers log besides the measured lines is not measured. */
export const quietLogger = newLogger({ id: "bench", name: "bench", version: "bench", level: "silent" });

/** sinkLogger makes its lines in full (fields, args, JSON) and writes them to a sink. */
export const sinkLogger = newLogger({ id: "bench", name: "bench", version: "bench", destination: sink() });
