import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * The code of a refusal of the HTTP request itself rather than of its
 * message (a method, a media type, a size), as the MCP SDK's own
 * Streamable HTTP transport answers those: the first of JSON-RPC's
 * server-defined codes.
 */
export const REQUEST_REFUSED = -32000;

/** A JSON-RPC 2.0 error that answers no message of the request (`id` null, as JSON-RPC has it when the id cannot be read). */
export function jsonRpcError(code: number, message: string): object {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/**
 * Why a body that is valid JSON is not what MCP's Streamable HTTP takes, a
 * JSON-RPC 2.0 message (request, notification or response) or a batch of
 * them, in JSON-RPC's words (Invalid Request); null when it is one. The
 * SDK would call such a body a Parse error, which JSON-RPC keeps for a body
 * that is not JSON.
 */
export function invalidRequestOf(body: unknown): string | null {
  if (Array.isArray(body)) {
    if (!body.length) return 'Invalid Request: an empty batch (a batch holds at least one JSON-RPC message)';
    const index = body.findIndex((message) => !isJsonRpcMessage(message));
    return index === -1 ? null : `Invalid Request: entry ${index} of the batch is not a JSON-RPC 2.0 message`;
  }
  return isJsonRpcMessage(body) ? null : 'Invalid Request: the body is not a JSON-RPC 2.0 message (a request, a notification or a response)';
}

function isJsonRpcMessage(value: unknown): boolean {
  return JSONRPCMessageSchema.safeParse(value).success;
}
