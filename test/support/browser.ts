import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { REPO_ROOT } from './kiln-harness';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Playwright never downloads a browser here. */
export const CHROMIUM = process.env.KILN_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots (gitignored). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/**
 * Headless Chromium with the flags this machine needs: no sandbox (root),
 * no GPU, and none of Chromium's own background traffic (updates, sync,
 * QUIC probes), which a closed network refuses and which would blur what
 * the page itself requests.
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set KILN_TEST_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
