import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, REPO_ROOT, startKiln } from '../support/kiln-harness';

/** Issue 8: the playground's routes, its security headers, and that it is public while the API is not. */
describe('playground routes', () => {
  const key = 'routes-test-key-0123456789abcdef';
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: key } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('serves the page at / and /s/<id>, public, not cached, scripts only from itself', async () => {
    for (const path of ['/', '/s/AAAAAAAAAAAAAAAA']) {
      const page = await kiln.http().get(path);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('<title>Kiln playground</title>');
      expect(page.headers['cache-control']).toBe('no-cache');
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      // The interactive runs' socket: the page's own server, and only it.
      expect(csp).toMatch(/(^|;)connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+$/);
    }
    // The API keeps helmet's whole default policy, and its keys.
    const api = await kiln.http().get('/languages');
    expect(api.status).toBe(401);
    expect(api.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('the page refers only to its own assets, which it serves with long caching', async () => {
    const page = await kiln.http().get('/');
    const references = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(references.filter((ref) => ref !== 'data:,' && ref !== '#editor').every((ref) => ref.startsWith('/assets/'))).toBe(true);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const built = readdirSync(join(REPO_ROOT, 'dist', 'web', 'assets'));
    for (const name of built.filter((n) => n.startsWith('index-'))) {
      const asset = await kiln.http().get(`/assets/${name}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toMatch(name.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });

  it('answers 404 for anything that is not a built asset', async () => {
    for (const path of ['/assets/nope.js', '/assets/.hidden', '/assets/..%2Findex.html', '/assets/..%2F..%2Fpackage.json', '/assets/']) {
      const answer = await kiln.http().get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
  });
});
