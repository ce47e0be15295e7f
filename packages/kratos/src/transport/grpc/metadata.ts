import { Metadata } from "@grpc/grpc-js";
import { Header } from "../../context/header.js";

/** headerOf reads incoming metadata with every value of every key; binary values come base64-encoded. */
export function headerOf(md: Metadata): Header {
  const header = new Header();
  for (const [key, values] of Object.entries(md.toJSON())) {
    for (const v of values) header.add(key, typeof v === "string" ? v : v.toString("base64"));
  }
  return header;
}

/**
 * metadataOf turns a header (a reply's, or what a client sends) into metadata; a -bin key's base64 values are
 * sent as bytes. It throws on a key or value gRPC cannot carry, naming it as what.
 */
export function metadataOf(header: Header, what = "reply header"): Metadata {
  const md = new Metadata();
  for (const key of header.keys()) {
    const binary = key.endsWith("-bin");
    try {
      for (const v of header.values(key)) md.add(key, binary ? Buffer.from(v, "base64") : v);
    } catch (err) {
      throw new Error(`${what} ${key}: ${(err as Error).message}`, { cause: err });
    }
  }
  return md;
}
