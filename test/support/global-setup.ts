import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { assertTestEnvironment } from './environment';

export default async function globalSetup(): Promise<void> {
  await assertTestEnvironment();
  // Suites that start `kiln` processes run the build; keep it in step with the sources.
  execSync('npm run --silent build', { cwd: join(__dirname, '..', '..'), stdio: 'inherit' });
}
