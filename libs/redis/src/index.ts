export * from './redis.tokens';
export * from './redis-connection';
export * from './redis.module';
export * from './bull-root';
export * from './job-event-log';
export * from './node-heartbeat';
