export * from './kiln-config';
export * from './config-loader';
export * from './config.module';
export * from './api-exposure';
export * from './machine-sizing';
