import type { Response } from 'express';

/** Writes Server-Sent Events to an HTTP response, with a keep-alive comment. */
export class SseWriter {
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly response: Response) {}

  open(keepAliveMs: number): void {
    this.response.status(200);
    this.response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.response.setHeader('Cache-Control', 'no-cache, no-transform');
    this.response.setHeader('Connection', 'keep-alive');
    this.response.setHeader('X-Accel-Buffering', 'no');
    this.response.flushHeaders();
    this.keepAlive = setInterval(() => this.response.write(': keep-alive\n\n'), keepAliveMs);
  }

  send(event: string, data: unknown, id?: string): void {
    const lines = [`event: ${event}`, ...(id ? [`id: ${id}`] : []), `data: ${JSON.stringify(data)}`];
    this.response.write(`${lines.join('\n')}\n\n`);
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.response.end();
  }
}
