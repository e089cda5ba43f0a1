import http from 'node:http';

export interface SseEvent {
  event: string;
  data: any;
  id?: string;
  /** ms since the request started. */
  at: number;
}

/**
 * Reads a Server-Sent Events stream to its end, recording when each event
 * arrived: a GET, or with `body` a POST of that JSON (a session's run).
 */
export function readSse(url: string, headers: Record<string, string> = {}, body?: object): Promise<{ status: number; events: SseEvent[] }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const method = body ? 'POST' : 'GET';
    const json = body ? { 'content-type': 'application/json' } : {};
    // agent: false, so no kept-alive socket outlives the stream (and the suite).
    const request = http.request(url, { method, agent: false, headers: { accept: 'text/event-stream', ...json, ...headers } }, (response) => {
      const events: SseEvent[] = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event = parseBlock(block, Date.now() - started);
          if (event) events.push(event);
        }
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, events }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body ? JSON.stringify(body) : undefined);
  });
}

function parseBlock(block: string, at: number): SseEvent | null {
  let event = 'message';
  let data = '';
  let id: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
    else if (line.startsWith('id: ')) id = line.slice(4);
  }
  if (!data) return null;
  return { event, data: JSON.parse(data), id, at };
}
