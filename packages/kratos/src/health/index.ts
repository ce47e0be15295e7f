export { type Check, Readiness, type ReadinessOptions, type ReadinessResult, STOPPING } from "./readiness.js";
