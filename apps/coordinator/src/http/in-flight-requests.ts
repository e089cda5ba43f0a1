import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Counts HTTP requests not yet answered, so a stopping coordinator can let them finish. */
@Injectable()
export class InFlightRequests {
  private count = 0;
  private idle: (() => void)[] = [];

  readonly middleware = (_request: Request, response: Response, next: NextFunction): void => {
    this.count++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.count--;
      if (this.count === 0) this.idle.splice(0).forEach((resolve) => resolve());
    };
    response.on('finish', finish);
    response.on('close', finish);
    next();
  };

  get size(): number {
    return this.count;
  }

  /** Resolves true when none is left, false if `timeoutMs` passes first. */
  async settle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<boolean>((resolve) => this.idle.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([settled, late]);
    clearTimeout(timer);
    return result;
  }
}
