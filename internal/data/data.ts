import { LOGGER, type Logger } from "@kratos-ts/kratos/log";
import { inject, injectable } from "tsyringe";
import { DATA_CONF, type DataConf } from "../conf/conf.js";

/** Data holds the data resources; in memory until a database is wired in. */
@injectable()
export class Data {
  constructor(
    @inject(DATA_CONF) readonly conf: DataConf,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  /** close releases the data resources; wireApp's cleanup calls it. */
  async close(): Promise<void> {
    this.log.info("closing the data resources");
  }
}
