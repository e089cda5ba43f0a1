// The test pyramid, one Jest project per tier (see "Tests" in the README):
// - unit: pure, no Redis, no Docker, no build: `*.spec.ts` beside the code and in test/unit/.
// - component: `test/**/*.component-spec.ts`, a real Redis and Kiln in the test's process,
//   never a Docker engine; suites run in parallel, each on its own Redis prefix.
// - system: `test/**/*.e2e-spec.ts`, the real Docker engine and runtime images too
//   (sandbox rules, hostile code, languages, cluster faults, compose, browser); independent
//   suites on Jest's workers, then those marked `@system-serial` alone (test/support/system-runner.ts).
const { $schema, ...swcOptions } = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const swc = ['@swc/jest', swcOptions];
const moduleNameMapper = {
  '^@kiln/tasks$': '<rootDir>/libs/tasks/src',
  '^@kiln/tasks/(.*)$': '<rootDir>/libs/tasks/src/$1',
  '^@kiln/config$': '<rootDir>/libs/config/src',
  '^@kiln/config/(.*)$': '<rootDir>/libs/config/src/$1',
  '^@kiln/redis$': '<rootDir>/libs/redis/src',
  '^@kiln/redis/(.*)$': '<rootDir>/libs/redis/src/$1',
  '^@kiln/telemetry$': '<rootDir>/libs/telemetry/src',
  '^@kiln/telemetry/(.*)$': '<rootDir>/libs/telemetry/src/$1',
  '^@kiln/client$': '<rootDir>/libs/client/src',
  '^@kiln/client/(.*)$': '<rootDir>/libs/client/src/$1',
  '^@kiln/store$': '<rootDir>/libs/store/src',
  '^@kiln/store/(.*)$': '<rootDir>/libs/store/src/$1',
  '^@kiln/mcp$': '<rootDir>/libs/mcp/src',
  '^@kiln/mcp/(.*)$': '<rootDir>/libs/mcp/src/$1',
};
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'component',
      testMatch: ['<rootDir>/test/**/*.component-spec.ts'],
      globalSetup: '<rootDir>/test/support/component-global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/component-setup.ts'],
    },
    {
      ...common,
      displayName: 'system',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/system-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/system-global-teardown.ts',
      runner: '<rootDir>/test/support/system-runner.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/system-setup.ts'],
    },
  ],
};
