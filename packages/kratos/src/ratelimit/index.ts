export {
  ErrLimitExceed,
  EventLoopLimiter,
  type EventLoopLimiterOptions,
  type EventLoopLoadOptions,
  eventLoopLoad,
  type Limiter,
  logShed,
  RATELIMIT_REASON,
} from "./limiter.js";
