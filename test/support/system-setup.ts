// System suites start containers and wait for real jobs; a test whose waits are
// longer says so with its own timeout.
jest.setTimeout(180_000);
