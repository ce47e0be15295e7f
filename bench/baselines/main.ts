// A bare baseline of the benchmark, in a process of its own: node dist/bench/baselines/main.js express|grpc|both HTTP_PORT GRPC_PORT
import { bareExpress, bareGrpc } from "./servers.js";

const [which, httpPort, grpcPort] = process.argv.slice(2);
if (which !== "express" && which !== "grpc" && which !== "both") {
  console.error("usage: main.js express|grpc|both HTTP_PORT GRPC_PORT");
  process.exit(2);
}
if (which !== "grpc") await bareExpress(Number(httpPort));
if (which !== "express") await bareGrpc(Number(grpcPort));
process.on("SIGTERM", () => process.exit(0));
