import { createServer, Server } from 'node:net';

/**
 * A TCP server on every host interface that greets and hangs up: what a
 * network-egress attack tries to reach. A sandbox that does reach it closes
 * without reading, which resets the connection; that reset is the attack's
 * business, not an error of the test (unhandled, it would fail whichever test
 * is running).
 */
export function greetingListener(greeting: string): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(greeting);
    });
    server.listen(0, '0.0.0.0', () => resolve(server));
  });
}
