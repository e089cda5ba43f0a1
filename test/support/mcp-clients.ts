import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ENTRY } from './kiln-cli';

/** The two ways an assistant reaches Kiln's MCP server: `kiln mcp` as its subprocess, or the coordinator's /mcp. */
export const MCP_TRANSPORTS = ['stdio', 'http'] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];

/**
 * The MCP SDK's own Client, connected to Kiln at `url` (a listening
 * coordinator) with `key`: over stdio through `kiln mcp` from the build (no
 * KILN_* of this process leaking in), or over Streamable HTTP to `url`/mcp.
 */
export async function mcpClient(transport: McpTransport, url: string, key: string | null): Promise<Client> {
  const client = new Client({ name: 'kiln-tests', version: '1.0.0' });
  if (transport === 'stdio') {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => !name.startsWith('KILN_') && value !== undefined)) as Record<string, string>;
    const args = [ENTRY, 'mcp', '--url', url, ...(key ? ['--key', key] : [])];
    await client.connect(new StdioClientTransport({ command: process.execPath, args, env, stderr: 'inherit' }));
  } else {
    const headers: Record<string, string> = key ? { 'x-kiln-key': key } : {};
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers } }));
  }
  return client;
}

/** A tool's text content, joined. */
export function textOf(result: CallToolResult): string {
  return result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

/** Calls a tool and answers its result as a CallToolResult (the SDK's type is wider: task results). */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
