import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('parses events split anywhere across chunks, with ids and JSON data', () => {
    const stream = 'event: state\ndata: {"state":"RUNNING"}\n\n: keep-alive\n\nevent: output\nid: 1-0\ndata: {"text":"a\\nb"}\n\n';
    const parser = new SseParser();
    const events = stream.split('').flatMap((char) => parser.push(char));
    expect(events).toEqual([
      { event: 'state', data: { state: 'RUNNING' } },
      { event: 'output', id: '1-0', data: { text: 'a\nb' } },
    ]);
  });

  it('accepts CRLF line ends and multi-line data; holds an unfinished event back', () => {
    const parser = new SseParser();
    expect(parser.push('event: end\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: state\ndata: {}')).toEqual([{ event: 'end', data: { a: 1 } }]);
    expect(parser.push('\n\n')).toEqual([{ event: 'state', data: {} }]);
  });
});
