import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { Request, Response } from 'express';
import express from 'express';

/**
 * A RawBody route's bytes (http/json-body.interceptor.ts), whatever their
 * type, inflated if the client compressed them, at most `limitBytes` after
 * inflating: past it 413, read no further.
 */
export async function readRawBody(request: Request, response: Response, limitBytes: number): Promise<Buffer> {
  const parse = express.raw({ limit: limitBytes, type: () => true });
  await new Promise<void>((resolve, reject) =>
    parse(request, response, (error?: unknown) => {
      if (!error) return resolve();
      const { type, message = 'unreadable' } = error as { type?: string; message?: string };
      if (type === 'entity.too.large') {
        return reject(
          new PayloadTooLargeException({
            error: `upload too large: at most ${limitBytes} bytes (coordinator.sessions.maxFileBytes)`,
            details: [{ field: 'body', message: `limit is ${limitBytes} bytes` }],
          }),
        );
      }
      reject(new BadRequestException({ error: 'unreadable upload', details: [{ field: 'body', message }] }));
    }),
  );
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}
