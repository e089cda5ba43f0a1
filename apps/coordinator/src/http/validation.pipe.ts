import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, InvalidRequestException } from './field-error';

/** class-validator with unknown fields refused and errors listed per field (`files[0].name`). */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new InvalidRequestException(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: reword(message, error) }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function reword(message: string, error: ValidationError): string {
  return message.includes('should not exist') ? `unknown field "${error.property}"` : message;
}
