import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { KilnClient } from '@kiln/client';
import { registerJobTools } from './job-tools';
import { registerSessionTools } from './session-tools';

/** The tools' names, as an MCP client lists them. */
export const KILN_MCP_TOOLS = [
  'run_code',
  'list_languages',
  'create_session',
  'session_run',
  'write_file',
  'read_file',
  'list_files',
  'close_session',
] as const;

const INSTRUCTIONS =
  'Kiln runs untrusted code in locked-down sandboxes (no network, limits on time, memory and output). ' +
  'Use run_code for one program; create_session, session_run and the file tools when state must stay between calls; ' +
  'close_session when done.';

/**
 * Kiln as an MCP server: every tool is a call of the native API through
 * `client` (the `kiln mcp` command's, or the coordinator's own for /mcp),
 * with the caller's API key, so every rule of the API holds (validation,
 * limits, keys, ownership). A refusal of the API, or a Kiln that cannot be
 * reached, is the tool's error with the API's message (the SDK answers a
 * thrown error as a tool result with isError), never a protocol error.
 */
export function createKilnMcpServer(client: KilnClient, version: string): McpServer {
  const server = new McpServer({ name: 'kiln', title: 'Kiln', version }, { instructions: INSTRUCTIONS });
  registerJobTools(server, client);
  registerSessionTools(server, client);
  return server;
}
