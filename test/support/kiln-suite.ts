import { Harness, HarnessOptions, startKiln } from './kiln-harness';

export interface KilnSuite {
  /** The running Kiln (set once beforeAll has run). */
  kiln: Harness;
  /** POST /execute with this body. */
  execute(body: object): ReturnType<ReturnType<Harness['http']>['post']>;
}

/** Starts Kiln (real Docker and Redis) before the suite's tests and closes it after them. */
export function useKiln(options: HarnessOptions = {}): KilnSuite {
  const suite: KilnSuite = {
    kiln: undefined as unknown as Harness,
    execute: (body) => suite.kiln.http().post('/execute').send(body),
  };
  beforeAll(async () => {
    suite.kiln = await startKiln(options);
  });
  afterAll(async () => {
    await suite.kiln?.close();
  });
  return suite;
}
