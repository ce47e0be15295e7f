export { ErrLimitExceed, EventLoopLimiter, type EventLoopLimiterOptions, eventLoopLoad, type Limiter, logShed, RATELIMIT_REASON } from "./limiter.js";
