import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';

/** Errors by attribute, as Rails renders a model's errors: `{"language_id": ["can't be blank"]}`. */
export type Judge0FieldErrors = Record<string, string[]>;

/** 422 with the submission's errors by attribute. */
export class Judge0InvalidSubmission extends HttpException {
  constructor(readonly errors: Judge0FieldErrors) {
    super(errors, HttpStatus.UNPROCESSABLE_ENTITY);
  }
}

/** Judge0's `{"error": "..."}` with a 400. */
export class Judge0BadRequest extends BadRequestException {
  constructor(error: string) {
    super({ error });
  }
}


/** What Judge0 says when an answer holds bytes that are not UTF-8 and base64 was not asked for. */
export const NOT_UTF8 = 'some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter';
export const BATCH_NOT_UTF8 =
  'some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter';

/** Collects errors by attribute while a request is checked. */
export class FieldErrorList {
  readonly errors: Judge0FieldErrors = {};

  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }
}
