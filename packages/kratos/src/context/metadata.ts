import type { Context } from "./context.js";
import { Header } from "./header.js";
import { createContextKey } from "./values.js";

/** The prefix of the request headers (HTTP) and metadata keys (gRPC) that are the request's metadata, as in Kratos. */
export const METADATA_PREFIX = "x-md-";
/** The prefix of the metadata that generated clients send on to the services a request calls, as in Kratos. */
export const GLOBAL_METADATA_PREFIX = "x-md-global-";

const METADATA = createContextKey<Header | undefined>(undefined, { description: "metadata" });

/**
 * serverMetadataOf returns the request's metadata: its headers or gRPC metadata keyed x-md-*, all values kept, as
 * Kratos's metadata.FromServerContext. It is read from the request the first time it is asked for.
 * The x-md-global-* keys travel on with every call the generated clients make while serving the request.
 *
 * @example
 * // curl -H 'x-md-global-tenant: acme' ...
 * serverMetadataOf(ctx).get("x-md-global-tenant"); // "acme"
 */
export function serverMetadataOf(ctx: Context): Header {
  let md = ctx.values.get(METADATA);
  if (!md) {
    md = new Header();
    const header = ctx.requestHeader;
    for (const key of header.keys()) {
      if (key.startsWith(METADATA_PREFIX)) for (const value of header.values(key)) md.add(key, value);
    }
    ctx.values.set(METADATA, md);
  }
  return md;
}
