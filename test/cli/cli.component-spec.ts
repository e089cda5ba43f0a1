import { Harness, startKiln } from '../support/kiln-harness';
import { kilnCli } from '../support/kiln-cli';

/** Issue 8, acceptance 3: the command-line client against a server that wants a key. */
describe('kiln run against a server with API keys', () => {
  const key = 'cli-test-key-0123456789abcdef';
  let kiln: Harness;
  let url: string;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: key } });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    url = await kiln.coordinator!.getUrl();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('sends --key or KILN_KEY; without one the refusal is one line (exit 65)', async () => {
    expect((await kilnCli(['languages', '--url', url, '--key', key])).code).toBe(0);
    expect((await kilnCli(['languages', '--url', url], { env: { KILN_KEY: key } })).code).toBe(0);
    const refused = await kilnCli(['languages', '--url', url]);
    expect(refused).toMatchObject({ code: 65, stderr: 'kiln: 401 an API key is required: send X-Kiln-Key or Authorization: Bearer\n' });
  });
});
