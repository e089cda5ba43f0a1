import type { ApiFile, JobRequest, SnippetContent } from '@kiln/client';
import type { CodeEditor } from './code-editor';
import type { LanguagePicker } from './language-picker';
import type { TestsPanel } from './tests-panel';

/**
 * Everything that makes up the program on the page: language, code, stdin,
 * arguments, tests, the files it returns. It reads them for a run or a share and fills them from a
 * snippet. A snippet's extra files are carried along unchanged.
 */
export class ProgramForm {
  /** A loaded snippet's main file name, and its other files, when it came as `files`. */
  private mainFile: string | null = null;
  private extraFiles: ApiFile[] = [];

  constructor(
    private readonly editor: CodeEditor,
    private readonly picker: LanguagePicker,
    private readonly testsPanel: TestsPanel,
    private readonly stdin: HTMLTextAreaElement,
    private readonly args: HTMLTextAreaElement,
    private readonly outputFiles: HTMLTextAreaElement,
  ) {}

  /** What Share stores: only the fields that say something. */
  content(): SnippetContent {
    const tests = this.testsPanel.enabled ? this.testsPanel.tests() : [];
    const args = argsOf(this.args.value);
    const outputFiles = patternsOf(this.outputFiles.value);
    return {
      language: this.picker.selected()?.id ?? '',
      ...this.sources(),
      ...(!tests.length && this.stdin.value ? { stdin: this.stdin.value } : {}),
      ...(args.length ? { args } : {}),
      ...(tests.length ? { tests } : {}),
      ...(outputFiles.length ? { outputFiles } : {}),
    };
  }

  jobRequest(): JobRequest {
    return this.content();
  }

  /**
   * Whether a run is interactive: its stdin is typed while it runs. Only
   * without tests (each test has its own stdin) and with the Standard input
   * field empty (a filled one is the whole of stdin, ended, as before).
   */
  isInteractive(): boolean {
    return !this.testsPanel.enabled && this.stdin.value === '';
  }

  /** Tests as submitted, to show what a failing one expected. */
  expectations() {
    return this.testsPanel.enabled ? this.testsPanel.tests() : [];
  }

  load(snippet: SnippetContent): void {
    const [main, ...rest] = snippet.files ?? [];
    this.mainFile = snippet.code === undefined && main ? main.name : null;
    this.extraFiles = snippet.code === undefined ? rest : (snippet.files ?? []);
    this.editor.code = snippet.code ?? (main ? textOf(main) : '');
    this.stdin.value = snippet.stdin ?? '';
    this.args.value = (snippet.args ?? []).join('\n');
    this.outputFiles.value = (snippet.outputFiles ?? []).join('\n');
    this.testsPanel.load(snippet.tests);
  }

  /** Names of the files that travel with the code but are not in the editor. */
  carriedFiles(): string[] {
    return this.extraFiles.map((file) => file.name);
  }

  private sources(): Pick<SnippetContent, 'code' | 'files'> {
    const files = this.extraFiles.length ? { files: this.extraFiles } : {};
    if (this.mainFile) return { files: [{ name: this.mainFile, content: this.editor.code }, ...this.extraFiles] };
    return { code: this.editor.code, ...files };
  }
}

/** One argument per line; a final newline does not make an empty last argument. */
function argsOf(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** One pattern per line; blank lines and the spaces around a pattern do not count. */
function patternsOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

function textOf(file: ApiFile): string {
  if (file.encoding !== 'base64') return file.content;
  return new TextDecoder().decode(Uint8Array.from(atob(file.content), (c) => c.charCodeAt(0)));
}
