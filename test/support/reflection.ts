import { create, createFileRegistry, type FileRegistry, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { type ClientDuplexStream, credentials, makeGenericClientConstructor, type StatusObject } from "@grpc/grpc-js";
import * as v1 from "@kratos-ts/kratos/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "@kratos-ts/kratos/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { definitionOf } from "@kratos-ts/kratos/transport/grpc";

export type ReflectionVersion = typeof v1 | typeof v1alpha;
export const reflectionVersions = [
  { name: "v1", version: v1 },
  { name: "v1alpha", version: v1alpha },
] as const;

// v1 and v1alpha are the same messages under two packages; the tests read both through the v1 types.
type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;

/**
 * ReflectionStream is one ServerReflectionInfo stream: ask() sends a request and resolves with the
 * response to it (the server answers in order), close() half-closes and waits for the server's OK.
 */
export class ReflectionStream {
  private readonly pending: Array<{ resolve: (r: Response) => void; reject: (err: unknown) => void }> = [];
  private readonly finished: Promise<StatusObject>;
  private failure?: unknown;
  private closing?: Promise<StatusObject>;

  constructor(
    private readonly version: ReflectionVersion,
    private readonly stream: ClientDuplexStream<Request, Response>,
    private readonly closeClient: () => void,
  ) {
    stream.on("data", (r: Response) => {
      const next = this.pending.shift();
      if (next) next.resolve(r);
      else this.fail(new Error(`unexpected reflection response: ${r.messageResponse.case}`));
    });
    stream.on("error", (err) => this.fail(err));
    stream.on("end", () => this.fail(new Error("the reflection stream ended")));
    this.finished = new Promise((resolve) => stream.on("status", resolve));
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  ask(init: MessageInitShape<typeof v1.ServerReflectionRequestSchema>): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    const schema = this.version.ServerReflectionRequestSchema as typeof v1.ServerReflectionRequestSchema;
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.stream.write(create(schema, init));
    });
  }

  /** files asks a request that must answer with files, and decodes them in the order sent. */
  async files(init: MessageInitShape<typeof v1.ServerReflectionRequestSchema>): Promise<FileDescriptorProto[]> {
    const res = await this.ask(init);
    if (res.messageResponse.case !== "fileDescriptorResponse") {
      throw new Error(`want fileDescriptorResponse, got ${res.messageResponse.case}: ${JSON.stringify(res.messageResponse.value)}`);
    }
    return res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
  }

  /** close ends the stream from the client side and resolves with the server's final status; it is idempotent. */
  close(): Promise<StatusObject> {
    this.closing ??= (async () => {
      this.stream.end();
      try {
        return await this.finished;
      } finally {
        this.closeClient();
      }
    })();
    return this.closing;
  }
}

/** openReflection opens a ServerReflectionInfo stream of one protocol version on its own connection. */
export function openReflection(address: string, version: ReflectionVersion = v1): ReflectionStream {
  const Client = makeGenericClientConstructor(definitionOf(version.ServerReflection), "ServerReflection");
  const client = new Client(address, credentials.createInsecure());
  const method = (client as unknown as Record<string, () => ClientDuplexStream<Request, Response>>).serverReflectionInfo;
  const stream = method.call(client);
  return new ReflectionStream(version, stream, () => client.close());
}

/**
 * registryOf builds the registry a reflection client gets from the files it was sent. Reflection sends
 * a file before its imports, a FileDescriptorSet wants them after, so the files go in import order;
 * an import that was not sent makes it throw.
 */
export function registryOf(files: FileDescriptorProto[]): FileRegistry {
  const byName = new Map(files.map((f) => [f.name, f]));
  const ordered: FileDescriptorProto[] = [];
  const visit = (f: FileDescriptorProto) => {
    if (ordered.includes(f)) return;
    for (const dep of f.dependency) {
      const d = byName.get(dep);
      if (!d) throw new Error(`${f.name} imports ${dep}, which reflection did not send`);
      visit(d);
    }
    ordered.push(f);
  };
  files.forEach(visit);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}
