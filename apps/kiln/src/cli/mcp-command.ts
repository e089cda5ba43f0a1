import type { Readable, Writable } from 'node:stream';
import type { KilnClient } from '@kiln/client';
import type { CliIo } from './cli-io';

/**
 * `kiln mcp`: Kiln's MCP server over stdio (an assistant starts it as a
 * subprocess), as a client of the running Kiln at --url with --key. Stdout
 * carries the protocol alone; it serves until the assistant closes stdin.
 */
export async function serveMcp(client: KilnClient, io: CliIo): Promise<number> {
  // Loaded here: the other client commands never need the SDK.
  const [{ createKilnMcpServer }, { StdioServerTransport }, { kilnVersion }] = await Promise.all([
    import('@kiln/mcp'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@kiln/config'),
  ]);
  const server = createKilnMcpServer(client, kilnVersion(io.env));
  const ended = new Promise<void>((resolve) => {
    io.stdin.once('end', resolve);
    io.stdin.once('close', resolve);
  });
  await server.connect(new StdioServerTransport(io.stdin as Readable, io.stdout as Writable));
  await ended;
  await server.close();
  return 0;
}
