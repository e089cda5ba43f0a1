import { BadRequestException } from '@nestjs/common';

/** Piston's 400: `{message}` naming the first problem found, in Piston's words. */
export class PistonRequestError extends BadRequestException {
  constructor(message: string) {
    super({ message });
  }
}
