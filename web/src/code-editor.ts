import { Compartment, EditorState, type Extension, Prec } from '@codemirror/state';
import {
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { oneDark } from '@codemirror/theme-one-dark';
import { languageSupport } from './language-support';

export interface CodeEditorOptions {
  /** id of the element that names the editor (aria-labelledby). */
  labelledBy: string;
  dark: boolean;
  onRun: () => void;
}

/**
 * CodeMirror 6 with a language and a theme that can change. Deliberately
 * without Tab-to-indent (Tab leaves the editor: keyboard users are never
 * trapped) and without autocompletion (Enter always means a new line).
 */
export class CodeEditor {
  private readonly language = new Compartment();
  private readonly theme = new Compartment();
  private readonly view: EditorView;
  private languageRequest = 0;

  constructor(parent: HTMLElement, options: CodeEditorOptions) {
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        extensions: [
          Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (options.onRun(), true) }])),
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          history(),
          foldGutter(),
          drawSelection(),
          dropCursor(),
          indentOnInput(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          bracketMatching(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          keymap.of([...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap]),
          EditorView.contentAttributes.of({ 'aria-labelledby': options.labelledBy, 'aria-multiline': 'true' }),
          this.language.of([]),
          this.theme.of(themeFor(options.dark)),
        ],
      }),
    });
  }

  get code(): string {
    return this.view.state.doc.toString();
  }

  set code(text: string) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }

  focus(): void {
    this.view.focus();
  }

  /** Switches highlighting; when several switches race, the last one wins. */
  async useLanguage(language: { id: string; aliases: string[] }): Promise<void> {
    const request = ++this.languageRequest;
    const support = await languageSupport(language).catch(() => []);
    if (request === this.languageRequest) this.view.dispatch({ effects: this.language.reconfigure(support) });
  }

  useTheme(dark: boolean): void {
    this.view.dispatch({ effects: this.theme.reconfigure(themeFor(dark)) });
  }
}

function themeFor(dark: boolean): Extension {
  return dark ? oneDark : [];
}
