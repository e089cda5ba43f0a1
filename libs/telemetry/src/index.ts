export * from './tracing';
export * from './trace-context';
export * from './json-logger';
export * from './metrics';
export * from './periodic-pass';
