import { HttpException, HttpStatus } from '@nestjs/common';
import { FieldError } from './field-error';

/**
 * A body refused before any handler sees it (413 too large, 415 not JSON, 400
 * unreadable or hostile JSON), in the API's error shape. Not an
 * InvalidRequestException: it is about the body as a whole, not a field of a
 * job request, so a compatibility API reshapes it as its own plain error.
 */
export class RequestBodyException extends HttpException {
  constructor(status: number, error: string, details: FieldError[]) {
    super({ error, details }, status);
  }
}

/**
 * A body that does not parse as JSON, apart from valid JSON that is
 * refused: JSON-RPC gives the two different codes (Parse error, Invalid
 * Request: mcp/mcp-body-refusal.filter.ts).
 */
export class MalformedJsonBodyException extends RequestBodyException {
  constructor(reason: string) {
    super(HttpStatus.BAD_REQUEST, 'malformed JSON body', [{ field: 'body', message: reason }]);
  }
}
