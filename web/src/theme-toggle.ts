import type { CodeEditor } from './code-editor';
import { readPreference, writePreference } from './preferences';

/** Light or dark: the system's choice until the user picks one, which is remembered. */
export class ThemeToggle {
  private dark: boolean;

  constructor(private readonly button: HTMLButtonElement) {
    const saved = readPreference('theme');
    this.dark = saved ? saved === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
    this.apply();
  }

  get isDark(): boolean {
    return this.dark;
  }

  /** The editor follows the page's theme. */
  attach(editor: CodeEditor): void {
    this.button.addEventListener('click', () => {
      this.dark = !this.dark;
      writePreference('theme', this.dark ? 'dark' : 'light');
      this.apply();
      editor.useTheme(this.dark);
    });
  }

  private apply(): void {
    document.documentElement.dataset.theme = this.dark ? 'dark' : 'light';
    this.button.setAttribute('aria-pressed', String(this.dark));
  }
}
