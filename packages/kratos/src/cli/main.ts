import { parseArgs } from "node:util";
import { protoAdd } from "./proto-add.js";
import { protoServer } from "./proto-server.js";
import { run } from "./run.js";

const HELP: Record<string, string> = {
  "": `kratos-ts: the toolkit of a Kratos-style TypeScript service

Usage:
  kratos-ts <command> [arguments] [options]

Commands:
  proto add <path>     write a proto skeleton with CRUD RPCs and their HTTP rules
  proto server <path>  write a service class implementing a proto's generated server
  run                  build the service and start it with configs/

Run kratos-ts <command> --help for a command's options.
`,
  "proto add": `Usage: kratos-ts proto add api/<package>/v1/<name>.proto

Writes a proto skeleton at that path: service <Name> with Create, Update, Delete, Get and List RPCs,
their google.api.http rules and their messages, as kratos proto add does. make api accepts it as it is.
A file that exists is never overwritten.
`,
  "proto server": `Usage: kratos-ts proto server api/<package>/v1/<name>.proto [-t <dir>]

Writes, for each service the proto declares, a class that implements its generated <Service>Server
(run make api first), each method answering 501 UNIMPLEMENTED until it is written.

Options:
  -t, --target <dir>  where the class goes (internal/service)
A file that exists is never overwritten.
`,
  run: `Usage: kratos-ts run [--watch] [-conf <dir>]

Builds the service (make build) and starts dist/cmd/<name>/main.js with the config directory.

Options:
  -w, --watch        rebuild on every change and restart the service (make dev)
  -c, --conf <dir>   the config directory (configs)
`,
};

/** cli runs one command of kratos-ts with argv (after the program's name) in root; it resolves with the exit code. */
export async function cli(argv: string[], root = process.cwd()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      target: { type: "string", short: "t", default: "internal/service" },
      watch: { type: "boolean", short: "w" },
      conf: { type: "string", short: "c", default: "configs" },
    },
  });
  const [group, sub, ...rest] = positionals;
  const command = group === "proto" ? `proto ${sub ?? ""}`.trim() : (group ?? "");
  if (values.help || command === "") {
    const help = HELP[command];
    if (help === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    process.stdout.write(help);
    return command === "" && !values.help ? 2 : 0;
  }
  const args = group === "proto" ? rest : [sub, ...rest].filter((a) => a !== undefined);
  switch (command) {
    case "proto add": {
      const path = oneArg(command, args);
      protoAdd(root, path);
      console.log(`wrote ${path}; next: make api, then kratos-ts proto server ${path}`);
      return 0;
    }
    case "proto server": {
      const path = oneArg(command, args);
      for (const file of protoServer(root, path, values.target)) console.log(`wrote ${file}`);
      return 0;
    }
    case "run":
      if (args.length > 0) throw new UsageError(`run takes no arguments, got ${args.join(" ")}`);
      return run(root, { watch: values.watch === true, conf: values.conf });
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function oneArg(command: string, args: string[]): string {
  if (args.length !== 1) throw new UsageError(`${command} takes one proto path, got ${args.length}`);
  return args[0] as string;
}

/** A command line that names no command, or one with the wrong arguments: exit 2, with a pointer to --help. */
export class UsageError extends Error {}

/** main runs the CLI as a process: an error is one line on stderr, exit 2 for a usage error, else 1. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await cli(argv);
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    console.error(`kratos-ts: ${(err as Error).message}${usage ? "\nRun kratos-ts --help for usage." : ""}`);
    process.exitCode = usage ? 2 : 1;
  }
}
