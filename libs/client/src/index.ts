export * from './api-types';
export * from './client-errors';
export * from './kiln-client';
export * from './sse-parser';
