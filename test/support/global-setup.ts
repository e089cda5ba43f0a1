import { assertTestEnvironment } from './environment';

export default async function globalSetup(): Promise<void> {
  await assertTestEnvironment();
}
