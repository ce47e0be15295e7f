import { parseBool } from "@kratos-ts/kratos/config";

/** Flags are the command line of helloworld, in Go's flag syntax: -conf x, --conf x, -conf=x. */
export interface Flags {
  conf: string;
  version: boolean;
  help: boolean;
  migrate: boolean;
}

export const usage = `Usage of helloworld:
  -conf string
        config path, a file or a directory, eg: -conf config.yaml (default "configs")
  -migrate
        bring the database schema up to date and exit
  -version
        print the version and exit`;

/** parseFlags reads argv; it throws with a one-line message on anything it does not know. */
export function parseFlags(argv: string[]): Flags {
  const flags: Flags = { conf: "configs", version: false, help: false, migrate: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--?([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const [, name, inline] = m;
    switch (name) {
      case "conf": {
        const value = inline ?? argv[++i];
        if (value === undefined || value === "") throw new Error("flag needs an argument: -conf");
        flags.conf = value;
        break;
      }
      case "version":
      case "v":
        flags.version = boolFlag(name, inline);
        break;
      case "migrate":
        flags.migrate = boolFlag(name, inline);
        break;
      case "h":
      case "help":
        flags.help = boolFlag(name, inline);
        break;
      default:
        throw new Error(`flag provided but not defined: -${name}`);
    }
  }
  return flags;
}

// Bool flags take no argument, or an inline one: -version=false.
function boolFlag(name: string, inline: string | undefined): boolean {
  if (inline === undefined) return true;
  const b = parseBool(inline);
  if (b !== undefined) return b;
  throw new Error(`invalid boolean value ${JSON.stringify(inline)} for -${name}`);
}
