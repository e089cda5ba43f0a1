import { Controller, Delete, Get, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { KILN_VERSION } from '@kiln/config';
import { createKilnMcpServer } from '@kiln/mcp';
import { loopbackClientFor } from './loopback-client';

/** JSON-RPC's answer to a method of /mcp a stateless server does not have. */
const NO_STREAM = { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless (POST only)' }, id: null };

/**
 * MCP over Streamable HTTP at /mcp (endpoint group `mcp`), stateless: each
 * POST is one JSON-RPC exchange with a server made for it, whose tools call
 * this coordinator's API with the request's key (loopbackClientFor), and
 * which is gone when the answer is. Nothing is kept between requests, so any
 * coordinator of a deployment answers any of them. The key check, the rate
 * limit, the host check and the JSON body checks run before, as on every
 * route.
 */
@Controller('mcp')
export class McpController {
  constructor(@Inject(KILN_VERSION) private readonly version: string) {}

  @Post()
  async exchange(@Req() request: Request, @Res() response: Response): Promise<void> {
    const server = createKilnMcpServer(loopbackClientFor(request), this.version);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  }

  /** No server-sent stream and no session to end: a stateless server answers 405 (the SDK's clients expect it). */
  @Get()
  @HttpCode(HttpStatus.METHOD_NOT_ALLOWED)
  stream(): object {
    return NO_STREAM;
  }

  @Delete()
  @HttpCode(HttpStatus.METHOD_NOT_ALLOWED)
  end(): object {
    return NO_STREAM;
  }
}
