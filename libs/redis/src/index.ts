export * from './redis.tokens';
export * from './redis-connection';
export * from './redis.module';
export * from './redis-health';
export * from './bull-root';
export * from './redis-probe';
export * from './settled-within';
export * from './redis-gone-at-shutdown';
