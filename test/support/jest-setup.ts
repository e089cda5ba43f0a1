// Integration tests start containers and wait for real jobs.
jest.setTimeout(180_000);
