// Node.js globals and built-in modules for TypeScript programs run by Kiln.
// Debian ships no @types/node; these declarations let programs use Node's API
// with the type checker on, typed as `any` where Node's real types would be.
declare var process: any;
declare var require: any;
declare var module: any;
declare var exports: any;
declare var __dirname: string;
declare var __filename: string;
declare var Buffer: any;
type Buffer = any;
declare var console: any;
declare var global: any;
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearTimeout(handle: any): void;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearInterval(handle: any): void;
declare function setImmediate(callback: (...args: any[]) => void, ...args: any[]): any;
declare module 'assert';
declare module 'buffer';
declare module 'child_process';
declare module 'crypto';
declare module 'events';
declare module 'fs';
declare module 'fs/promises';
declare module 'os';
declare module 'path';
declare module 'process';
declare module 'readline';
declare module 'stream';
declare module 'string_decoder';
declare module 'util';
declare module 'zlib';
declare module 'node:*';
