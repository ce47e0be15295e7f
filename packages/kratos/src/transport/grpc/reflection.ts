import { create, type DescFile, type DescMessage, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { status as GRPCStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

export const reflectionServices = [v1.ServerReflection, v1alpha.ServerReflection] as const;

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/**
 * ReflectionService implements gRPC server reflection (v1 and v1alpha) over the real descriptors
 * of the proto files, so clients see each file under its own name with its options.
 */
export class ReflectionService {
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  private readonly extensions = new Map<string, Map<number, DescFile>>();
  private readonly services: string[] = [];
  private readonly messageTypes = new Set<string>();
  private readonly streams = new Set<ServerDuplexStream<Request, unknown>>();

  /** addService lists a service and makes its file and the file's imports known. */
  addService(service: DescService): void {
    if (!this.services.includes(service.typeName)) this.services.push(service.typeName);
    this.addFile(service.file);
  }

  /**
   * addFile makes the types of a file and its imports resolvable without listing a service, so that
   * clients can decode messages that travel outside any RPC, such as the details of an error status.
   *
   * @example
   * reflection.addFile(file_google_rpc_error_details); // grpcurl can now describe google.rpc.ErrorInfo
   */
  addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    const index = (name: string) => this.symbols.set(name, file);
    const indexMessage = (m: DescMessage): void => {
      index(m.typeName);
      this.messageTypes.add(m.typeName);
      for (const f of m.fields) index(`${m.typeName}.${f.name}`);
      for (const e of m.nestedEnums) index(e.typeName);
      for (const x of m.nestedExtensions) this.indexExtension(x.typeName, x.extendee.typeName, x.number, file);
      m.nestedMessages.forEach(indexMessage);
    };
    file.messages.forEach(indexMessage);
    for (const e of file.enums) index(e.typeName);
    for (const s of file.services) {
      index(s.typeName);
      for (const m of s.methods) index(`${s.typeName}.${m.name}`);
    }
    for (const x of file.extensions) this.indexExtension(x.typeName, x.extendee.typeName, x.number, file);
    for (const dep of file.dependencies) this.addFile(dep);
  }

  private indexExtension(name: string, extendee: string, number: number, file: DescFile): void {
    this.symbols.set(name, file);
    const byNumber = this.extensions.get(extendee) ?? new Map<number, DescFile>();
    this.extensions.set(extendee, byNumber);
    byNumber.set(number, file);
  }

  /** handlers returns the grpc-js handlers of ServerReflectionInfo for one protocol version. */
  handlers(version: typeof v1 | typeof v1alpha) {
    return {
      serverReflectionInfo: (call: ServerDuplexStream<Request, unknown>) => {
        const sent = new Set<string>();
        this.streams.add(call);
        const forget = () => this.streams.delete(call);
        call.on("close", forget);
        call.on("cancelled", forget);
        call.on("data", (req: Request) => {
          call.write(create(version.ServerReflectionResponseSchema as typeof v1.ServerReflectionResponseSchema, this.answer(req, sent) as never));
        });
        call.on("end", () => call.end());
      },
    };
  }

  /** shutdown ends open reflection streams, which tools such as grpcui keep open, so they do not hold up a stop. */
  shutdown(): void {
    for (const call of this.streams) call.end();
    this.streams.clear();
  }

  private answer(req: Request, sent: Set<string>) {
    const base = { validHost: req.host, originalRequest: req };
    const r = req.messageRequest;
    switch (r.case) {
      case "listServices":
        return { ...base, messageResponse: { case: "listServicesResponse", value: { service: [...this.services].sort().map((name) => ({ name })) } } };
      case "fileByFilename":
        return this.fileResponse(base, this.files.get(r.value), `file not found: ${r.value}`, sent);
      case "fileContainingSymbol":
        return this.fileResponse(base, this.symbols.get(r.value), `symbol not found: ${r.value}`, sent);
      case "fileContainingExtension": {
        const file = this.extensions.get(r.value.containingType)?.get(r.value.extensionNumber);
        return this.fileResponse(base, file, `extension not found: ${r.value.containingType}(${r.value.extensionNumber})`, sent);
      }
      case "allExtensionNumbersOfType": {
        const numbers = [...(this.extensions.get(r.value)?.keys() ?? [])].sort((a, b) => a - b);
        if (!this.messageTypes.has(r.value)) return errorResponse(base, `type not found: ${r.value}`);
        return { ...base, messageResponse: { case: "allExtensionNumbersResponse", value: { baseTypeName: r.value, extensionNumber: numbers } } };
      }
      default:
        return {
          ...base,
          messageResponse: { case: "errorResponse", value: { errorCode: GRPCStatus.UNIMPLEMENTED, errorMessage: "unknown reflection request" } },
        };
    }
  }

  // A file goes with every import the client has not had yet on this stream, as grpc-go sends them.
  private fileResponse(base: object, file: DescFile | undefined, notFound: string, sent: Set<string>) {
    if (!file) return errorResponse(base, notFound);
    const out: Uint8Array[] = [];
    const visit = (f: DescFile, requested: boolean) => {
      if (!requested && sent.has(f.proto.name)) return;
      sent.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      for (const dep of f.dependencies) visit(dep, false);
    };
    visit(file, true);
    return { ...base, messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: out } } };
  }
}

function errorResponse(base: object, message: string) {
  return { ...base, messageResponse: { case: "errorResponse", value: { errorCode: GRPCStatus.NOT_FOUND, errorMessage: message } } };
}
