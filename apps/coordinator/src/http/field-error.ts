import { BadRequestException } from '@nestjs/common';

/** One problem with one field of a request, as the API reports it. */
export interface FieldError {
  field: string;
  message: string;
}

/** 400 with the API's error shape: `{error, details: [{field, message}]}`. */
export class InvalidRequestException extends BadRequestException {
  constructor(details: FieldError[], error = 'invalid request') {
    super({ error, details });
  }
}
