// The functions passed to page.evaluate run in the browser: they need DOM types. (The server build,
// tsconfig.build.json, leaves tests out, so this never lets server code use DOM globals.)
/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { languagesWithAwk } from '../support/awk-language';
import { Harness, startKiln } from '../support/kiln-harness';
import { launchChromium, screenshot } from '../support/browser';
import { eventually } from '../support/waiting';
import { STARTERS } from '../../web/src/starters';

/** Issue 8, acceptance 1, 2 and 4: the playground in a real browser (Debian's Chromium, headless). */
describe('playground (Chromium)', () => {
  let kiln: Harness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const requested: string[] = [];
  // The shipped table plus an operator's own language (README "Adding a language"), which the page has never heard of.
  const languageTable = languagesWithAwk();

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_LANGUAGES: languageTable.file } });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    base = await kiln.coordinator!.getUrl();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await kiln?.close();
    languageTable.remove();
  });

  const slowEcho = [
    'import sys, time',
    'name = sys.stdin.readline().strip()',
    'print("hello " + name, flush=True)',
    'time.sleep(3)',
    'print("bye " + name, flush=True)',
  ].join('\n');

  it('runs Python with stdin, shows the first line while the program still runs, then the verdict; shares it; the link opens the same program, and an edit forks', async () => {
    const page = await openPlayground(context, base);
    await page.getByLabel('Language').selectOption('python');
    await replaceCode(page, slowEcho, 'type');
    await page.getByLabel('Standard input').fill('Kiln');
    await page.getByRole('button', { name: 'Run' }).click();

    await page.locator('#output', { hasText: 'hello Kiln' }).waitFor();
    const firstLineAt = Date.now();
    // The program sleeps 3 s after its first line: seen now, the line came live, not with the result.
    expect(await page.locator('#status').getAttribute('data-state')).toBe('RUNNING');
    expect(await page.locator('#output').textContent()).not.toContain('bye');
    await screenshot(page, 'playground-python-streaming');

    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(Date.now() - firstLineAt).toBeGreaterThan(1500);
    expect(await page.locator('#output').textContent()).toBe('hello Kiln\nbye Kiln\n');
    expect(await page.locator('#output span.stdout').count()).toBeGreaterThan(0);
    expect(await page.locator('#verdict').textContent()).toBe('OK');
    expect(await page.locator('#exit-code').textContent()).toBe('0');
    expect(await page.locator('#time').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.locator('#memory').textContent()).toMatch(/^\d+\.\d MiB$/);
    await screenshot(page, 'playground-python-done');

    const link = await share(page);
    expect(link).toMatch(new RegExp(`^${base}/s/[A-Za-z0-9_-]{16}$`));
    expect(page.url()).toBe(link);

    const opened = await context.newPage();
    await opened.goto(link);
    await opened.locator('#notice', { hasText: 'Shared snippet' }).waitFor();
    expect(await editorText(opened)).toBe(slowEcho);
    expect(await opened.getByLabel('Language').inputValue()).toBe('python');
    expect(await opened.getByLabel('Standard input').inputValue()).toBe('Kiln');
    await screenshot(opened, 'playground-shared-opened');

    // Editing someone's snippet and sharing again makes a new snippet; the original keeps its code.
    await opened.locator('.cm-content').click();
    await opened.keyboard.press('Control+End');
    await opened.keyboard.type('\nprint("forked")');
    const fork = await share(opened);
    expect(fork).not.toBe(link);
    const original = await kiln.http().get(`/snippets/${link.split('/s/')[1]}`);
    expect(original.body.code).toBe(slowEcho);
    const forked = await kiln.http().get(`/snippets/${fork.split('/s/')[1]}`);
    expect(forked.body.code).toBe(`${slowEcho}\nprint("forked")`);
  });

  it('runs a C program against two tests, one failing, and shows a verdict per test (Ctrl-Enter)', async () => {
    const page = await openPlayground(context, base);
    await page.getByLabel('Language').selectOption('c');
    expect(await editorText(page)).toContain('#include <stdio.h>');
    const sum = '#include <stdio.h>\nint main(void) {\n    int a, b;\n    if (scanf("%d %d", &a, &b) != 2) return 1;\n    printf("%d\\n", a + b);\n    return 0;\n}';
    await replaceCode(page, sum, 'paste');
    await page.getByLabel('Test cases (expected output, a verdict per test)').check();
    expect(await page.getByLabel('Standard input').isVisible()).toBe(false);
    await page.getByLabel('Test 1 input').fill('1 2');
    await page.getByLabel('Test 1 expected output').fill('3');
    await page.getByRole('button', { name: 'Add test' }).click();
    await page.getByLabel('Test 2 input').fill('2 2');
    await page.getByLabel('Test 2 expected output').fill('5');
    await page.keyboard.press('Control+Enter');

    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#verdict').textContent()).toBe('WRONG_ANSWER');
    expect(await page.locator('#tests-summary').textContent()).toBe('1 of 2 tests passed');
    expect(await page.locator('tr[data-test="0"] .verdict').textContent()).toBe('OK');
    expect(await page.locator('tr[data-test="1"] .verdict').textContent()).toBe('WRONG_ANSWER');
    expect(await page.locator('tr.difference').textContent()).toBe('expected 5, got 4\n');
    expect(await page.locator('#time').textContent()).toMatch(/^\d+ ms \(slowest test\)$/);
    expect(await page.locator('#memory').textContent()).toMatch(/^\d+\.\d MiB \(most of a test\)$/);
    await screenshot(page, 'playground-c-tests');

    // The tests travel with a share.
    const link = await share(page);
    const snippet = await kiln.http().get(`/snippets/${link.split('/s/')[1]}`);
    expect(snippet.body).toMatchObject({ language: 'c', code: sum, tests: [{ stdin: '1 2', expected: '3' }, { stdin: '2 2', expected: '5' }] });
    expect(snippet.body.stdin).toBeUndefined();
  });

  it('shows the matplotlib example’s plot as an image under the output, other files as downloads, and shares the patterns', async () => {
    const page = await openPlayground(context, base);
    await page.getByLabel('Example').selectOption({ label: 'Python: a matplotlib plot' });
    expect(await page.getByLabel('Language').inputValue()).toBe('python');
    expect(await editorText(page)).toContain('fig.savefig("plot.png", dpi=100)');
    expect(await page.getByLabel(/Output files to return/).inputValue()).toBe('*.png');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#verdict').textContent()).toBe('OK');
    expect(await page.locator('#output').textContent()).toBe('saved plot.png\n');
    const plot = page.locator('#files img[alt="plot.png"]');
    await plot.waitFor();
    // Chromium decoded it: a real PNG of the figure's size (6 × 3.5 inches at 100 dpi).
    expect(await plot.evaluate((image: HTMLImageElement) => image.decode().then(() => [image.naturalWidth, image.naturalHeight]))).toEqual([600, 350]);
    expect(await page.locator('#files a').getAttribute('download')).toBe('plot.png');
    await screenshot(page, 'playground-matplotlib-plot');

    await replaceCode(page, 'open("data.csv", "w").write("x,y\\n1,2\\n")\nopen("out.txt", "w").write("not asked for")', 'paste');
    await page.getByLabel(/Output files to return/).fill('*.csv');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 60_000 });
    const download = page.locator('#files a[download="data.csv"]');
    await download.waitFor();
    expect(await page.locator('#files img').count()).toBe(0);
    expect(await page.locator('#files li').count()).toBe(1);
    const [saved] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(saved.suggestedFilename()).toBe('data.csv');
    expect(readFileSync(await saved.path(), 'utf8')).toBe('x,y\n1,2\n');
    const link = await share(page);
    expect((await kiln.http().get(`/snippets/${link.split('/s/')[1]}`)).body.outputFiles).toEqual(['*.csv']);
  });

  it('cancels a running program', async () => {
    const page = await openPlayground(context, base);
    await page.getByLabel('Language').selectOption('python');
    await replaceCode(page, 'import time\nprint("waiting", flush=True)\ntime.sleep(30)', 'paste');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#output', { hasText: 'waiting' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#status[data-state="CANCELLED"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#verdict').textContent()).toBe('CANCELLED');
    expect(await page.getByRole('button', { name: 'Run' }).isEnabled()).toBe(true);
  });

  it('shows stderr apart from stdout, and the exit code of a failing program', async () => {
    const page = await openPlayground(context, base);
    await page.getByLabel('Language').selectOption('bash');
    await replaceCode(page, 'echo out\necho err >&2\nexit 3', 'paste');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#output span.stdout').allTextContents()).toEqual(['out\n']);
    expect(await page.locator('#output span.stderr').allTextContents()).toEqual(['err\n']);
    expect(await page.locator('#verdict').textContent()).toBe('RUNTIME_ERROR');
    expect(await page.locator('#exit-code').textContent()).toBe('3');
  });

  it('gives every language of the table a starter and highlighting; an operator\'s own language is plain text, empty, and runs', async () => {
    const page = await openPlayground(context, base);
    const languages = await page.locator('#language option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    const table = ['python', 'javascript', 'typescript', 'bash', 'c', 'cpp', 'go', 'java', 'rust', 'csharp', 'ruby', 'php', 'perl', 'lua'];
    expect(languages).toEqual([...table, 'awk']);
    const highlighted = page.locator('.cm-content span[class^="ͼ"]');
    for (const language of table) {
      await page.getByLabel('Language').selectOption(language);
      expect({ language, code: (await editorText(page)).length > 0 }).toEqual({ language, code: true });
      // Highlighting is on: some token of the starter is styled by the language's grammar (at once: 14 languages in one test).
      await highlighted.first().waitFor({ timeout: 5000 });
    }
    await page.getByLabel('Language').selectOption('awk');
    expect(await editorText(page)).toBe('');
    await replaceCode(page, '{ s += $1 } END { print s }', 'paste');
    expect(await highlighted.count()).toBe(0);
    await page.getByLabel('Standard input').fill('1\n2\n39\n');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#output').textContent()).toBe('42\n');
  });

  it('works at phone width and with the keyboard alone, in light and dark themes, every control labelled', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone.on('request', (request) => requested.push(request.url()));
    try {
      const page = await openPlayground(phone, base);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input, select, textarea, button, [contenteditable="true"]'))
          .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.textContent?.trim())
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled).toEqual([]);
      await screenshot(page, 'playground-phone');

      // Keyboard only: Tab reaches the controls and the editor, and leaves the editor again.
      const focused: string[] = [];
      for (let i = 0; i < 14; i++) {
        await page.keyboard.press('Tab');
        focused.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''));
      }
      expect(focused).toEqual(expect.arrayContaining(['language', 'run', 'share', 'theme', 'stdin', 'args']));
      const editorAt = focused.findIndex((name) => name.includes('cm-content'));
      expect(editorAt).toBeGreaterThanOrEqual(0);
      expect(focused[editorAt + 1]).not.toContain('cm-content');

      await page.locator('#theme').focus();
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      expect(await page.locator('#theme').getAttribute('aria-pressed')).toBe('true');

      await page.locator('.cm-content').focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('print(6 * 7)');
      await page.keyboard.press('Control+Enter');
      await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('#output').textContent()).toBe('42\n');
      await screenshot(page, 'playground-phone-dark');

      await page.reload();
      await page.locator('#language:not([disabled])').waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    } finally {
      await phone.close();
    }
  });

  it('runs the Python starter interactively: its prompt shows while it waits, a name typed under the output is greeted (issue 17, acceptance 4)', async () => {
    const page = await openPlayground(context, base);
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.getByLabel('Language').selectOption('python');
    expect(await editorText(page)).toBe(STARTERS.python);
    await page.getByRole('button', { name: 'Run' }).click();
    await expectInteractive(page);

    await page.locator('#output', { hasText: 'What is your name?' }).waitFor({ timeout: 30_000 });
    // The program waits in input(): the prompt came live, with no stdin sent yet.
    expect(await page.locator('#status').getAttribute('data-state')).toBe('RUNNING');
    expect(await page.locator('#output').textContent()).toBe('What is your name? ');
    await screenshot(page, 'playground-interactive-prompt');

    const line = page.getByLabel('Input to the running program');
    await line.fill('Ada');
    await line.press('Enter');
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#output').textContent()).toBe('What is your name? Ada\nHello, Ada!\n');
    expect(await page.locator('#output span.stdin').allTextContents()).toEqual(['Ada\n']);
    expect(await page.locator('#verdict').textContent()).toBe('OK');
    expect(await page.locator('#live-input').isHidden()).toBe(true);
    expect(sockets.map((url) => new URL(url).host)).toEqual([new URL(base).host]);
    await screenshot(page, 'playground-interactive-greeted');
  });

  it('End of input closes the running program\'s stdin', async () => {
    const page = await openPlayground(context, base);
    await page.getByLabel('Language').selectOption('python');
    await replaceCode(page, 'import sys\nprint("words:", len(sys.stdin.read().split()))', 'paste');
    await page.getByRole('button', { name: 'Run' }).click();
    await expectInteractive(page);
    const line = page.getByLabel('Input to the running program');
    await line.fill('one two');
    await line.press('Enter');
    await line.fill('three');
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await page.locator('#status').getAttribute('data-state')).not.toBe('COMPLETED');
    await page.getByRole('button', { name: 'End of input' }).click();
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#output span.stdout').allTextContents()).toEqual(['words: 3\n']);
  });

  it('a task run again after its worker was lost: the first attempt\'s output stays, under a line saying the program runs again (SSE retry; interactive: its stage again)', async () => {
    // The server's side of a lost worker is test/security/worker-crash.e2e-spec.ts; here the page's: the job is
    // real, its event stream (and then its socket) scripted as a worker loss makes them.
    const page = await openPlayground(context, base);
    await page.getByLabel('Language').selectOption('python');
    await replaceCode(page, 'print("second")', 'paste');
    await page.getByLabel('Standard input').fill('not interactive');
    let finished: unknown;
    await page.route('**/jobs/*/events', async (route) => {
      const id = new URL(route.request().url()).pathname.split('/')[2];
      const job = await eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body, (view) => view.state === 'COMPLETED', 30_000, `job ${id} completed`);
      finished = job;
      const events: [string, unknown][] = [
        ['state', { state: 'RUNNING', verdict: null }],
        ['output', { task: 'run', stream: 'stdout', text: 'first\n', attempt: 1 }],
        ['retry', { task: 'run', attempt: 2 }],
        ['output', { task: 'run', stream: 'stdout', text: 'second\n', attempt: 2 }],
        ['end', job],
      ];
      await route.fulfill({ contentType: 'text/event-stream', body: events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('') });
    });
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    const rerun = '── its worker was lost: the program runs again from the start';
    expect(await page.locator('#output').textContent()).toBe(`first\n\n${rerun} (attempt 2) ──\nsecond\n`);
    expect(await page.locator('#verdict').textContent()).toBe('OK');

    await page.routeWebSocket(/\/interactive$/, (socket) => {
      socket.onMessage(() => {
        const messages = [
          { type: 'job', id: (finished as { id: string }).id },
          { type: 'stage', stage: 'run' },
          { type: 'data', stream: 'stdout', data: 'first\n' },
          { type: 'stage', stage: 'run' },
          { type: 'data', stream: 'stdout', data: 'second\n' },
          { type: 'exit', stage: 'run', code: 0, signal: null, status: 'OK' },
          { type: 'done', job: finished },
        ];
        for (const message of messages) socket.send(JSON.stringify(message));
        socket.close({ code: 1000 });
      });
    });
    await page.getByLabel('Standard input').fill('');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#output', { hasText: 'second' }).waitFor({ timeout: 30_000 });
    await page.locator('#status[data-state="COMPLETED"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#output').textContent()).toBe(`first\n\n${rerun} ──\nsecond\n`);
  });

  it('made no request to any origin but its own', () => {
    const origin = new URL(base).origin;
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  });
});

/** With API keys on, the page asks for one, keeps it in this browser and sends it. */
describe('playground with API keys on (Chromium)', () => {
  const key = 'playground-test-key-0123456789';
  let kiln: Harness;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: key } });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    base = await kiln.coordinator!.getUrl();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await kiln?.close();
  });

  it('the page itself is public; the API calls carry the key the user entered', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('#notice', { hasText: 'needs an API key' }).waitFor();
    expect(await page.locator('#key-settings').getAttribute('open')).not.toBeNull();
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Save key' }).click();
    await page.locator('#language:not([disabled])').waitFor();
    const link = await share(page);
    expect(link).toMatch(/\/s\/[A-Za-z0-9_-]{16}$/);

    const again = await context.newPage();
    await again.goto(link);
    await again.locator('#notice', { hasText: 'Shared snippet' }).waitFor();
    await context.close();
  });
});

/**
 * Waits until the run is interactive (the input box under the output is
 * there), and fails at once, saying why, when the page ran it the other way:
 * the server serves no interactive WebSocket, or the page could not open it.
 */
async function expectInteractive(page: Page): Promise<void> {
  const ended = '#status[data-state="COMPLETED"], #status[data-state="FAILED"], #status[data-state="CANCELLED"], #status[data-state="ERROR"]';
  const outcome = await Promise.race([
    page.locator('#live-input:not([hidden])').waitFor({ timeout: 30_000 }).then(() => 'interactive'),
    page.locator(ended).waitFor({ timeout: 30_000 }).then(() => 'ended without an input box'),
  ]);
  if (outcome !== 'interactive') {
    const status = await page.locator('#status').textContent();
    const output = await page.locator('#output').textContent();
    throw new Error(`the playground did not run the program interactively (${outcome}; status ${JSON.stringify(status)}, output ${JSON.stringify(output)}): is the interactive WebSocket endpoint served?`);
  }
}

async function openPlayground(context: BrowserContext, base: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.locator('#language:not([disabled])').waitFor();
  return page;
}

/** Replaces the editor's text: typed key by key, or pasted at once (code with indentation). */
async function replaceCode(page: Page, code: string, how: 'type' | 'paste'): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (how === 'type') await page.keyboard.type(code);
  else await page.keyboard.insertText(code);
  expect(await editorText(page)).toBe(code);
}

/** The editor's document, line by line (CodeMirror renders one element per line). */
function editorText(page: Page): Promise<string> {
  return page.locator('.cm-content .cm-line').evaluateAll((lines) => lines.map((line) => line.textContent).join('\n'));
}

async function share(page: Page): Promise<string> {
  const previous = await page.locator('#share-url').inputValue();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.waitForFunction((old) => {
    const value = (document.getElementById('share-url') as HTMLInputElement).value;
    return value !== '' && value !== old;
  }, previous);
  return page.locator('#share-url').inputValue();
}
