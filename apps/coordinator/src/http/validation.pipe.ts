import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, InvalidRequestException } from './field-error';

/**
 * The checks of what a value is. When one fails, the others on the field are
 * not reported: `"tests": {}` is "must be an array", not also "must contain
 * no more than 10000 elements", which would send the client looking for a
 * limit it never came near.
 */
const KIND_CHECKS = new Set(['isString', 'isArray', 'isObject', 'isInt', 'isNumber', 'isBoolean', 'isIn', 'nestedValidation']);

/**
 * class-validator with unknown fields refused and errors listed per field
 * (`files[0].name`), one reason per field where one explains the rest; a
 * body that is not a JSON object is refused as such.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new InvalidRequestException(flatten(errors)),
  });
}

class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // class-transformer would make each element of an array an instance, and report the class's fields missing.
    if (metadata.type === 'body' && this.toValidate(metadata) && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new InvalidRequestException([{ field: 'body', message: `must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` }]);
    }
    return super.transform(value, metadata);
  }
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const own = messagesOf(error).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function messagesOf(error: ValidationError): string[] {
  const failed = Object.entries(error.constraints ?? {});
  if (!failed.length) return [];
  if (failed.some(([check]) => check === 'whitelistValidation')) return [`unknown field "${error.property}"`];
  // Only required fields are checked when absent (optional ones are IfPresent).
  if (error.value === undefined) return [`${error.property} is required`];
  const kind = failed.filter(([check]) => KIND_CHECKS.has(check));
  const messages = (kind.length ? kind : failed).map(([check, message]) => (check === 'nestedValidation' ? `${error.property} must be an object` : message));
  return [...new Set(messages)];
}
