export * from './kiln-mcp-server';
export * from './tool-results';
