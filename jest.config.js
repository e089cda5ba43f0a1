// Two projects: fast unit specs beside the code, and integration suites under
// test/ that talk to a real Redis and a real Docker engine (see test/support).
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
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
