// An OTLP/HTTP trace receiver in the test process: what a collector at http://127.0.0.1:<port> would be sent.
// It decodes ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) by field number, for the
// fields the tests read, with the protobuf wire reader.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BinaryReader, type WireType } from "@bufbuild/protobuf/wire";

export type AttributeValue = string | number | boolean;

/** One span as a collector received it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client, as in the proto. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error, as in the proto. */
  status: { code: number; message: string };
  /** The resource of the batch the span came in. */
  resource: Record<string, AttributeValue>;
}

/** OTLPReceiver accepts POST /v1/traces in protobuf, as a collector's OTLP/HTTP receiver does. */
export class OTLPReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** The content types of the requests received, for checking the exporter spoke protobuf. */
  readonly contentTypes: string[] = [];
  private readonly server: Server;
  private waiters: Array<() => void> = [];

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<OTLPReceiver> {
    const server = createServer();
    const receiver = new OTLPReceiver(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/v1/traces") {
          res.writeHead(404).end();
          return;
        }
        receiver.contentTypes.push(String(req.headers["content-type"]));
        receiver.spans.push(...decodeRequest(new Uint8Array(Buffer.concat(chunks))));
        res.writeHead(200, { "Content-Type": "application/x-protobuf" }).end();
        for (const wake of receiver.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  /** The base URL to configure as the OTLP endpoint (trace.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT). */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** waitFor resolves with the spans received so far once match accepts them. */
  async waitFor(match: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    while (!match(this.spans)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.spans;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** fields calls visit with each field of one message, its number and wire type, the reader at its value. */
function fields(bytes: Uint8Array, visit: (no: number, type: WireType, r: BinaryReader) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, type] = r.tag();
    if (!visit(no, type, r)) r.skip(type, no);
  }
}

/** each calls visit with the bytes of every occurrence of one length-delimited field. */
function each(bytes: Uint8Array, fieldNo: number, visit: (value: Uint8Array) => void): void {
  fields(bytes, (no, _t, r) => {
    if (no !== fieldNo) return false;
    visit(r.bytes());
    return true;
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
function decodeRequest(bytes: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  each(bytes, 1, (b) => spans.push(...decodeResourceSpans(b)));
  return spans;
}

// ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }, Resource { repeated KeyValue attributes = 1; }
function decodeResourceSpans(bytes: Uint8Array): ReceivedSpan[] {
  const resource: Record<string, AttributeValue> = {};
  const spans: ReceivedSpan[] = [];
  fields(bytes, (no, _t, r) => {
    if (no === 1) each(r.bytes(), 1, (b) => addKeyValue(resource, b));
    else if (no === 2) each(r.bytes(), 2, (b) => spans.push(decodeSpan(b, resource)));
    else return false;
    return true;
  });
  return spans;
}

// Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
//        repeated KeyValue attributes = 9; Status status = 15; }, Status { string message = 2; StatusCode code = 3; }
function decodeSpan(bytes: Uint8Array, resource: Record<string, AttributeValue>): ReceivedSpan {
  const span: ReceivedSpan = { traceId: "", spanId: "", parentSpanId: "", name: "", kind: 0, attributes: {}, status: { code: 0, message: "" }, resource };
  fields(bytes, (no, _t, r) => {
    if (no === 1) span.traceId = hex(r.bytes());
    else if (no === 2) span.spanId = hex(r.bytes());
    else if (no === 4) span.parentSpanId = hex(r.bytes());
    else if (no === 5) span.name = r.string();
    else if (no === 6) span.kind = r.int32();
    else if (no === 9) addKeyValue(span.attributes, r.bytes());
    else if (no === 15) {
      fields(r.bytes(), (n, _tt, rr) => {
        if (n === 2) span.status.message = rr.string();
        else if (n === 3) span.status.code = rr.int32();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return span;
}

// KeyValue { string key = 1; AnyValue value = 2; }, AnyValue { string string_value = 1; bool bool_value = 2;
//            int64 int_value = 3; double double_value = 4; ... }
function addKeyValue(into: Record<string, AttributeValue>, bytes: Uint8Array): void {
  let key = "";
  let value: AttributeValue = "";
  fields(bytes, (no, _t, r) => {
    if (no === 1) key = r.string();
    else if (no === 2) {
      fields(r.bytes(), (n, _tt, rr) => {
        if (n === 1) value = rr.string();
        else if (n === 2) value = rr.bool();
        else if (n === 3) value = Number(rr.int64());
        else if (n === 4) value = rr.double();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  into[key] = value;
}
