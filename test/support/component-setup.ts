// Each component suite, before its own code runs.

// Docker clients point at a socket that cannot exist: a suite of this tier that
// reaches for the engine fails here, on a machine where one runs, as it would in
// CI where none does yet. (Jest gives each suite its own copy of process.env.)
process.env.DOCKER_HOST = 'unix:///nonexistent/the-component-tier-has-no-docker.sock';

// Suites start Kiln in this process and wait on Redis and HTTP only; a test
// whose waits are longer says so with its own timeout.
jest.setTimeout(60_000);
