import { relative } from "node:path";
import { parseArgs } from "node:util";
import { newService } from "./new.js";
import { protoAdd } from "./proto-add.js";
import { protoServer } from "./proto-server.js";
import { run } from "./run.js";

const HELP: Record<string, string> = {
  "": `kratos-ts: the toolkit of a Kratos-style TypeScript service

Usage:
  kratos-ts <command> [arguments] [options]

Commands:
  new <name>           write a new service from the layout, renamed
  proto add <path>     write a proto skeleton with CRUD RPCs and their HTTP rules
  proto server <path>  write a service class implementing a proto's generated server
  run                  build the service and start it with configs/

Run kratos-ts <command> --help for a command's options.
`,
  new: `Usage: kratos-ts new <name> [--module <package>] [--dir <path>] [--force] [--layout <dir|git URL>]

Writes a new service from the layout, as kratos new does: its files with the layout's name (helloworld)
replaced by <name> everywhere, in lower, Pascal and upper case, in contents and paths; package.json
named <package> and depending on the framework from the registry; a fresh git repository. Then it runs
make api, which installs the dependencies and generates the code of the renamed protos.
<name> is lower case letters and digits, starting with a letter.

Options:
  -m, --module <package>   the npm package name (<name>)
  -d, --dir <path>         where the service goes (./<name>); refused if not empty, unless --force
  -f, --force              write into a directory that is not empty
  -l, --layout <dir|url>   the layout, a directory or a git URL (the checkout this framework is built in,
                           else the layout bundled in this package)
      --framework <spec>   the @kratos-ts/kratos dependency: a version range (^<this version>), or a tarball
                           of it (npm pack's .tgz), which is copied into vendor/
      --skip-install       leave out make api: no install, the generated code still the layout's (run
                           make api NPM_INSTALL=install before anything else)
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
      module: { type: "string", short: "m" },
      dir: { type: "string", short: "d" },
      force: { type: "boolean", short: "f" },
      layout: { type: "string", short: "l" },
      framework: { type: "string" },
      "skip-install": { type: "boolean" },
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
    case "new": {
      if (args.length !== 1) throw new UsageError(`new takes one name, got ${args.length}`);
      const dir = newService(
        {
          name: args[0] as string,
          module: values.module,
          dir: values.dir,
          force: values.force,
          layout: values.layout,
          framework: values.framework,
          skipInstall: values["skip-install"],
        },
        root,
      );
      const next = values["skip-install"] ? "make api NPM_INSTALL=install && make run" : "make run";
      console.log(`wrote ${dir}; next: cd ${relative(root, dir) || "."} && ${next}`);
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
