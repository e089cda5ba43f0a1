/** Injection token of the shared ioredis client for commands. */
export const REDIS = Symbol('REDIS');
/** Injection token of a second connection reserved for pub/sub subscriptions. */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');
