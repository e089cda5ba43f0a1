import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config-loader';

const home = join(__dirname, '../../..');
const load = (env: Record<string, string>) => loadConfig({ KILN_HOME: home, ...env });

describe('loadConfig', () => {
  it('loads the shipped defaults and language table', () => {
    const { config, languages } = load({});
    expect(config.coordinator.port).toBe(8080);
    expect(config.coordinator.api.endpoints.jobs).toBe(true);
    expect(languages.resolve('py')?.id).toBe('python');
  });

  it('applies KILN_* overrides with the right types', () => {
    const { config } = load({
      KILN_COORDINATOR__PORT: '9000',
      KILN_COORDINATOR__API__ENDPOINTS__JOBS: 'false',
      KILN_LIMITS__MAXIMA__TIMEOUT_MS: '60000',
    });
    expect(config.coordinator.port).toBe(9000);
    expect(config.coordinator.api.endpoints.jobs).toBe(false);
    expect(config.limits.maxima.timeoutMs).toBe(60000);
  });

  it('names an unknown environment key', () => {
    expect(() => load({ KILN_COORDINATOR__PROT: '1' })).toThrow(new ConfigError('KILN_COORDINATOR__PROT: no configuration key coordinator.prot'));
  });

  it('names the key of an invalid value', () => {
    expect(() => load({ KILN_WORKER__CONCURRENCY: '0' })).toThrow(/worker\.concurrency: must not be less than 1 \(got 0\)/);
    expect(() => load({ KILN_SANDBOX__USER: '0:0' })).toThrow(/sandbox\.user: must be a non-root numeric uid:gid/);
    expect(() => load({ KILN_WORKER__CONCURRENCY: 'many' })).toThrow(/worker\.concurrency: must be a whole number or auto \(got the string "many"\)/);
    expect(() => load({ KILN_SANDBOX__MODE: 'fast' })).toThrow(/sandbox\.mode: must be one of the following values: auto, container, nested \(got the string "fast"\)/);
  });

  it('mounts the compatibility APIs by default, Judge0 under a non-empty path prefix', () => {
    const { api } = load({}).config.coordinator;
    expect([api.endpoints.piston, api.endpoints.judge0, api.judge0.prefix]).toEqual([true, true, '/judge0']);
    expect(load({ KILN_COORDINATOR__API__JUDGE0__PREFIX: '/compat/judge0' }).config.coordinator.api.judge0.prefix).toBe('/compat/judge0');
    for (const prefix of ['/', '/judge0/', 'judge0', '/judge 0']) {
      expect(() => load({ KILN_COORDINATOR__API__JUDGE0__PREFIX: prefix })).toThrow(/coordinator\.api\.judge0\.prefix: must be a path like \/judge0/);
    }
  });

  it('refuses defaults above maxima', () => {
    expect(() => load({ KILN_LIMITS__DEFAULTS__TIMEOUT_MS: '40000' })).toThrow(
      /limits\.defaults\.timeoutMs: must not exceed limits\.maxima\.timeoutMs/,
    );
  });

  it('demands API keys when the API listens beyond loopback (auth auto) or auth is on', () => {
    expect(() => load({ KILN_COORDINATOR__HOST: '0.0.0.0' })).toThrow(
      /coordinator\.auth\.keys: the API listens on 0\.0\.0\.0, beyond loopback, so at least one API key is required/,
    );
    expect(() => load({ KILN_COORDINATOR__AUTH__MODE: 'on' })).toThrow(/coordinator\.auth\.keys: auth\.mode is on/);
    expect(load({ KILN_COORDINATOR__HOST: '0.0.0.0', KILN_COORDINATOR__AUTH__KEYS: 'a-key-of-16-chars+' }).config.coordinator.auth.keys).toEqual([
      'a-key-of-16-chars+',
    ]);
    expect(() => load({ KILN_COORDINATOR__AUTH__KEYS: 'short-secret' })).toThrow(/each key must be at least 16 characters$/m);
    expect(() => load({ KILN_REDIS__URL: 'http://:pw-secret@redis.test' })).not.toThrow(/pw-secret/);
  });

  it('bounds what one API key may claim, and checks per-key overrides without printing a key', () => {
    const { coordinator, worker } = load({}).config;
    expect([coordinator.perKey.maxTasks, coordinator.perKey.maxPriority, coordinator.perKey.overrides, worker.perKey.runningShare]).toEqual([500, 5, [], 0.5]);
    // 20 jobs of 100 tests in 8-test batches: 20 x (1 compile + 13 runs).
    expect(() => load({ KILN_COORDINATOR__PER_KEY__MAX_TASKS: '279' })).toThrow(/coordinator\.perKey\.maxTasks: must be at least 280/);
    expect(load({ KILN_COORDINATOR__PER_KEY__MAX_TASKS: '280' }).config.coordinator.perKey.maxTasks).toBe(280);
    expect(() => load({ KILN_COORDINATOR__PER_KEY__MAX_PRIORITY: '11' })).toThrow(/coordinator\.perKey\.maxPriority: must not be greater than 10 \(got 11\)/);
    expect(() => load({ KILN_WORKER__PER_KEY__RUNNING_SHARE: '0' })).toThrow(/worker\.perKey\.runningShare/);
    const dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
    const secret = 'configured-key-0123456789';
    const write = (name: string, override: string) => {
      writeFileSync(join(dir, name), `coordinator:\n  auth:\n    keys: [${secret}]\n  perKey:\n    overrides:\n      - ${override}\n`);
      return join(dir, name);
    };
    const good = load({ KILN_CONFIG: write('good.yaml', `{key: ${secret}, maxPriority: 10}`) }).config.coordinator.perKey.overrides;
    expect(good).toEqual([{ key: secret, maxPriority: 10 }]);
    const unknown = () => load({ KILN_CONFIG: write('unknown.yaml', '{key: not-a-configured-key-at-all, maxTasks: 100}') });
    expect(unknown).toThrow(/overrides\[0\]\.key: is not one of coordinator\.auth\.keys/);
    expect(unknown).toThrow(/overrides\[0\]\.maxTasks: must be at least 280/);
    expect(unknown).not.toThrow(/not-a-configured-key-at-all/);
    expect(() => load({ KILN_CONFIG: write('bad.yaml', '{key: 42, maxPriority: 0}') })).not.toThrow(/42/);
  });

  it('merges KILN_CONFIG over the defaults and names unknown keys in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
    writeFileSync(join(dir, 'good.yaml'), 'worker:\n  concurrency: 7\n');
    writeFileSync(join(dir, 'bad.yaml'), 'worker:\n  concurency: 7\n');
    expect(load({ KILN_CONFIG: join(dir, 'good.yaml') }).config.worker.concurrency).toBe(7);
    expect(() => load({ KILN_CONFIG: join(dir, 'bad.yaml') })).toThrow('KILN_CONFIG: unknown key worker.concurency');
  });

  it('names where a moved key lives now, in the environment and in KILN_CONFIG', () => {
    expect(() => load({ KILN_WORKER__TASK_ATTEMPTS: '5' })).toThrow(
      new ConfigError('KILN_WORKER__TASK_ATTEMPTS: worker.taskAttempts has moved to coordinator.taskAttempts (KILN_COORDINATOR__TASK_ATTEMPTS): it belongs to the process that acts on it'),
    );
    expect(() => load({ KILN_COORDINATOR__WORKER_TIMEOUT_MS: '3000' })).toThrow(/coordinator\.workerTimeoutMs has moved to nodes\.timeoutMs \(KILN_NODES__TIMEOUT_MS\)/);
    const dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
    writeFileSync(join(dir, 'old.yaml'), 'worker:\n  heartbeatMs: 1000\n');
    expect(() => load({ KILN_CONFIG: join(dir, 'old.yaml') })).toThrow('KILN_CONFIG: worker.heartbeatMs has moved to nodes.heartbeatMs (KILN_NODES__HEARTBEAT_MS)');
    expect(load({ KILN_COORDINATOR__TASK_ATTEMPTS: '5', KILN_NODES__HEARTBEAT_MS: '1000' }).config).toMatchObject({ coordinator: { taskAttempts: 5 }, nodes: { heartbeatMs: 1000 } });
  });

  const configFile = (yaml: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-config-')), 'kiln.yaml');
    writeFileSync(file, yaml);
    return file;
  };
  /** The lines of the problems a configuration is refused with. */
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      load(env);
    } catch (error) {
      return (error as Error).message.split('\n').slice(1).map((line) => line.replace(/^ {2}- /, ''));
    }
    throw new Error('the configuration was accepted');
  };

  it('says one true reason per key: the type alone when it is wrong, else the bound it passes; values as JSON', () => {
    expect(problemsOf({ KILN_CONFIG: configFile('coordinator:\n  port: "3903"\n  webhooks:\n    allowPrivate: "true"\n') })).toEqual([
      'coordinator.port: must be an integer (got the string "3903")',
      'coordinator.webhooks.allowPrivate: must be true or false (got the string "true")',
    ]);
    expect(problemsOf({ KILN_COORDINATOR__PORT: '70000' })).toEqual(['coordinator.port: must not be greater than 65535 (got 70000)']);
    // Keys sized from the machine (`auto` by default) take a number from the environment, a negative one too.
    expect(problemsOf({ KILN_WORKER__CONCURRENCY: '-3' })).toEqual(['worker.concurrency: must not be less than 1 (got -3)']);
    expect(problemsOf({ KILN_WORKER__CONCURRENCY: 'abc' })).toEqual(['worker.concurrency: must be a whole number or auto (got the string "abc")']);
    expect(problemsOf({ KILN_SANDBOX__POOL__SIZE: '-1' })).toEqual(['sandbox.pool.size: must not be less than 0 (got -1)']);
  });

  it('converts an environment value to the type the key takes, whatever type KILN_CONFIG gave it', () => {
    const quoted = configFile('coordinator:\n  port: "3903"\n  webhooks:\n    allowPrivate: "true"\n');
    const { coordinator } = load({ KILN_CONFIG: quoted, KILN_COORDINATOR__PORT: '3904', KILN_COORDINATOR__WEBHOOKS__ALLOW_PRIVATE: 'true' }).config;
    expect([coordinator.port, coordinator.webhooks.allowPrivate]).toEqual([3904, true]);
  });

  it('takes an empty section of KILN_CONFIG as no keys (the defaults apply), and names a section given a single value', () => {
    const empty = configFile('coordinator:\n  # port: 3903\nworker:\n');
    expect(load({ KILN_CONFIG: empty }).config.coordinator.port).toBe(8080);
    expect(load({ KILN_CONFIG: empty, KILN_COORDINATOR__PORT: '3904' }).config.coordinator.port).toBe(3904);
    const scalar = configFile('coordinator: 3903\n');
    expect(() => load({ KILN_CONFIG: scalar, KILN_COORDINATOR__PORT: '3904' })).toThrow(
      new ConfigError('KILN_CONFIG: coordinator must be a section of keys, not a single value (got 3903)'),
    );
  });

  it('says every problem of the per-key overrides at once, each key written as in the file', () => {
    const overrides = configFile('coordinator:\n  auth:\n    keys: [configured-key-0123456789]\n  perKey:\n    overrides:\n      - {key: configured-key-0123456789, maxPriority: 0, maxTasks: 100}\n');
    expect(problemsOf({ KILN_CONFIG: overrides })).toEqual([
      'coordinator.perKey.overrides[0].maxPriority: must not be less than 1 (got 0)',
      expect.stringMatching(/^coordinator\.perKey\.overrides\[0\]\.maxTasks: must be at least 280: /),
    ]);
  });

  it('names the entry and key of a bad language table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-languages-'));
    writeFileSync(join(dir, 'languages.yaml'), 'languages:\n  - id: awk\n    name: Awk\n    version: "1"\n    image: kiln/base\n    file: main.awk\n');
    expect(() => load({ KILN_LANGUAGES: join(dir, 'languages.yaml') })).toThrow(/languages\[0\] \(awk\): key "run"/);
  });
});
