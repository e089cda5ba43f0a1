/** One Server-Sent Event as it arrived: its name, its id (if any) and its data, parsed as JSON. */
export interface SseMessage {
  event: string;
  id?: string;
  data: unknown;
}

/**
 * Incremental text/event-stream parser. Chunks may split a line or an event
 * anywhere; comments (keep-alives) and events without data are dropped.
 * Kiln sends one JSON document per event, so `data` is parsed.
 */
export class SseParser {
  private buffer = '';

  /** Feeds decoded text, answers the events it completed. */
  push(text: string): SseMessage[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const messages: SseMessage[] = [];
    let boundary: number;
    while ((boundary = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      const message = parseBlock(block);
      if (message) messages.push(message);
    }
    return messages;
  }
}

function parseBlock(block: string): SseMessage | null {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (!data.length) return null;
  return { event, ...(id !== undefined ? { id } : {}), data: JSON.parse(data.join('\n')) };
}
