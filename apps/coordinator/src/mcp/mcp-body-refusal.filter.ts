import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';
import { FieldError } from '../http/field-error';
import { MalformedJsonBodyException, RequestBodyException } from '../http/request-body.exception';
import { jsonRpcError, REQUEST_REFUSED } from './json-rpc-errors';

/**
 * The body checks every route has (http/json-body.interceptor.ts), answered
 * to an MCP client as JSON-RPC errors with the same HTTP status: a body that
 * is not JSON is a Parse error, valid JSON that is refused (nested too
 * deeply, a prototype key) an Invalid Request, a body too large or not JSON
 * by its type a refusal of the request. Other errors of /mcp (the key, the
 * rate limit) keep the API's `{error}`, as on every route.
 */
@Catch(RequestBodyException)
export class McpBodyRefusalFilter implements ExceptionFilter {
  catch(exception: RequestBodyException, host: ArgumentsHost): void {
    const status = exception.getStatus();
    const { error, details } = exception.getResponse() as { error: string; details: FieldError[] };
    const reason = `${error} (${details.map((detail) => `${detail.field}: ${detail.message}`).join('; ')})`;
    const [code, words] =
      exception instanceof MalformedJsonBodyException
        ? [ErrorCode.ParseError, 'Parse error: ']
        : status === HttpStatus.BAD_REQUEST
          ? [ErrorCode.InvalidRequest, 'Invalid Request: ']
          : [REQUEST_REFUSED, ''];
    host.switchToHttp().getResponse<Response>().status(status).json(jsonRpcError(code, `${words}${reason}`));
  }
}
