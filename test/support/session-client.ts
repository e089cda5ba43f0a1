import type { Harness } from './kiln-harness';

/** A supertest parser that keeps a binary body as the bytes it is (a session file's download). */
export function bytesOf(res: any, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/** The session API as one API key calls it (`key` null: keys are off), on the Kiln `kiln()` gives when called. */
export function sessionClient(kiln: () => Harness, key: string | null) {
  const withKey = <T extends { set: (name: string, value: string) => T }>(request: T): T => (key ? request.set('x-kiln-key', key) : request);
  return {
    create: (body: object) => withKey(kiln().http().post('/sessions')).send(body),
    post: (path: string, body: object) => withKey(kiln().http().post(path)).send(body),
    get: (path: string) => withKey(kiln().http().get(path)),
    download: (path: string) => withKey(kiln().http().get(path)).buffer(true).parse(bytesOf),
    put: (path: string, bytes: Buffer) => withKey(kiln().http().put(path)).set('content-type', 'application/octet-stream').send(bytes),
    delete: (path: string) => withKey(kiln().http().delete(path)),
  };
}
