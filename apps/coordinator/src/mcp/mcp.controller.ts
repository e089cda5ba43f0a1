import { All, Controller, HttpStatus, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { KILN_VERSION } from '@kiln/config';
import { createKilnMcpServer } from '@kiln/mcp';
import { RawBody } from '../http/json-body.interceptor';
import { invalidRequestOf, jsonRpcError, REQUEST_REFUSED } from './json-rpc-errors';
import { loopbackClientFor } from './loopback-client';
import { McpBodyRefusalFilter } from './mcp-body-refusal.filter';

/** JSON-RPC's answer to a method of /mcp a stateless server does not have. */
const NO_STREAM = jsonRpcError(REQUEST_REFUSED, 'Method not allowed: this server is stateless (POST only)');

/**
 * MCP over Streamable HTTP at /mcp (endpoint group `mcp`), stateless: each
 * POST is one JSON-RPC exchange with a server made for it, whose tools call
 * this coordinator's API with the request's key (loopbackClientFor), and
 * which is gone when the answer is. Nothing is kept between requests, so any
 * coordinator of a deployment answers any of them. The key check, the rate
 * limit, the host check and the JSON body checks run before, as on every
 * route; a body they refuse, or one that is no JSON-RPC message, is
 * answered as a JSON-RPC error.
 */
@Controller('mcp')
@UseFilters(McpBodyRefusalFilter)
export class McpController {
  constructor(@Inject(KILN_VERSION) private readonly version: string) {}

  @Post()
  async exchange(@Req() request: Request, @Res() response: Response): Promise<void> {
    // A request without a body is the SDK's to answer (415 without a JSON type, else a Parse error).
    const invalid = request.body === undefined ? null : invalidRequestOf(request.body);
    if (invalid) {
      response.status(HttpStatus.BAD_REQUEST).json(jsonRpcError(ErrorCode.InvalidRequest, invalid));
      return;
    }
    const server = createKilnMcpServer(loopbackClientFor(request), this.version);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  }

  /**
   * Every other method (declared after exchange: Express tries a path's
   * routes in order). No server-sent stream (GET) and no session to end
   * (DELETE): a stateless server answers 405 (the SDK's clients expect it),
   * here in JSON-RPC rather than through the app's 405 (http/method-not-allowed.ts),
   * and OPTIONS 204; both with `Allow: POST`. The body is never read.
   */
  @All()
  @RawBody()
  refuse(@Req() request: Request, @Res() response: Response): void {
    response.setHeader('Allow', 'POST');
    if (request.method === 'OPTIONS') {
      response.status(HttpStatus.NO_CONTENT).end();
      return;
    }
    response.status(HttpStatus.METHOD_NOT_ALLOWED).json(NO_STREAM);
  }
}
