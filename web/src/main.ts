import { KilnApiError, KilnClient, type LanguageSummary } from '@kiln/client';
import { ApiKeySettings } from './api-key-settings';
import { CodeEditor } from './code-editor';
import { byId } from './dom';
import { EXAMPLES } from './examples';
import { FilesView } from './files-view';
import { LanguagePicker } from './language-picker';
import { LiveInput } from './live-input';
import { Notice } from './notice';
import { OutputView } from './output-view';
import { readPreference, writePreference } from './preferences';
import { ProgramForm } from './program-form';
import { ResultView } from './result-view';
import { RunController } from './run-controller';
import { ShareController } from './share-controller';
import { isStarterOrBlank, starterFor } from './starters';
import { TestsPanel } from './tests-panel';
import { ThemeToggle } from './theme-toggle';

// The page talks to the server that served it, and to nothing else.
const client = new KilnClient({ baseUrl: '' });
const notice = new Notice(byId('notice'));
const theme = new ThemeToggle(byId('theme'));
const editor = new CodeEditor(byId('editor'), {
  labelledBy: 'code-label',
  dark: theme.isDark,
  onRun: () => void runner.run(),
});
theme.attach(editor);
const picker = new LanguagePicker(byId('language'), switchLanguage);
const tests = new TestsPanel(byId('tests-mode'), byId('tests'), byId('add-test'), byId('stdin-field'), byId('tests-field'));
const form = new ProgramForm(editor, picker, tests, byId('stdin'), byId('args'), byId('output-files'));
const apiKey = new ApiKeySettings(client, byId('key-settings'), byId('key-form'), byId('api-key'), () => void start());
const output = new OutputView(byId('output'));
const liveInput = new LiveInput(byId('live-input'), byId('live-line'), byId('send-line'), byId('end-input'), output);
const runner = new RunController(client, form, output, new ResultView(), new FilesView(), liveInput, { run: byId('run'), cancel: byId('cancel') }, showError);
const share = new ShareController(client, form, notice, byId('share-box'), byId('share-url'), showError);
byId('share').addEventListener('click', () => void share.share());
const examples = byId<HTMLSelectElement>('example');
for (const [id, example] of Object.entries(EXAMPLES)) examples.add(new Option(example.title, id));
examples.addEventListener('change', () => {
  const example = EXAMPLES[examples.value];
  examples.value = '';
  if (!example || !picker.find(example.program.language)) return;
  form.load(example.program);
  picker.choose(example.program.language);
  void editor.useLanguage(picker.selected()!);
});

// Ctrl/Cmd-Enter runs from anywhere on the page (the editor handles it itself first).
document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === 'Enter' && !event.defaultPrevented) {
    event.preventDefault();
    void runner.run();
  }
});

function showError(error: unknown): void {
  if (error instanceof KilnApiError && error.status === 401) {
    notice.error('This Kiln needs an API key: enter it under “API key”.');
    apiKey.ask();
    return;
  }
  notice.error(error instanceof Error ? error.message : String(error));
}

/** A new language: its highlighting, and its starter unless the user has written code. */
function switchLanguage(language: LanguageSummary): void {
  writePreference('language', language.id);
  if (isStarterOrBlank(editor.code)) editor.code = starterFor(language);
  void editor.useLanguage(language);
}

/** Languages from the server, then the shared snippet in the address (if any) or a starter. */
async function start(): Promise<void> {
  let languages: LanguageSummary[];
  try {
    languages = await client.languages();
  } catch (error) {
    showError(error);
    return;
  }
  picker.fill(languages);
  const id = share.snippetId();
  const snippetLanguage = id ? await share.load(id) : null;
  const initial = [snippetLanguage, readPreference('language'), 'python'].find((name) => name && picker.find(name)) ?? languages[0]?.id;
  if (!initial) {
    notice.error('This Kiln has no languages configured.');
    return;
  }
  picker.choose(initial);
  const language = picker.selected()!;
  if (!snippetLanguage && isStarterOrBlank(editor.code)) editor.code = starterFor(language);
  void editor.useLanguage(language);
}

void start();
