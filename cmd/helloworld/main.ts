import "reflect-metadata";
import { loadConfig } from "@kratos-ts/kratos/config";
import { messageOf } from "@kratos-ts/kratos/errors";
import { flushLogger, flushLoggerSync, type Logger, newLogger } from "@kratos-ts/kratos/log";
import { Bootstrap, ENV_PREFIX, secretInFile } from "../../internal/conf/conf.js";
import { stopOnProcessFault } from "./fault.js";
import { parseFlags, usage } from "./flags.js";
import { id, Name, Version } from "./info.js";
import { wireApp } from "./wire.js";

// The JSON logger buffers its lines (newLogger's asynchronous stdout): every exit once it exists flushes it first.
let logger: Logger | undefined;

// Every failure leaves as one line on stderr and a non-zero exit; no stack reaches the terminal.
function fail(message: string, code = 1): never {
  if (logger) flushLoggerSync(logger);
  process.stderr.write(`${Name}: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (flags.version) {
    process.stdout.write(`${Name} ${Version}\n`);
    return;
  }
  let bc: Bootstrap;
  try {
    bc = loadConfig(flags.conf, { schema: Bootstrap, envPrefix: ENV_PREFIX, refuseInFile: secretInFile });
  } catch (err) {
    fail(messageOf(err));
  }
  logger = newLogger({ id, name: Name, version: Version, level: bc.log.level, format: bc.log.format, caller: bc.log.caller });
  const { app, migrate, cleanup } = wireApp(bc, logger);
  // -migrate runs the migrations alone; otherwise the app serves until a signal, or a fault, stops it.
  const fault = flags.migrate ? undefined : stopOnProcessFault(app, logger);
  let exitCode = 0;
  try {
    if (flags.migrate) await migrate();
    else await app.run();
    if (fault?.error) throw fault.error;
  } catch (err) {
    process.stderr.write(`${Name}: ${messageOf(err)}\n`);
    exitCode = 1;
  } finally {
    await cleanup();
    await flushLogger(logger);
  }
  process.exit(exitCode);
}

main().catch((err: unknown) => fail(messageOf(err)));
