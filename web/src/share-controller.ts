import type { KilnClient } from '@kiln/client';
import type { Notice } from './notice';
import type { ProgramForm } from './program-form';

const SNIPPET_PATH = /^\/s\/([A-Za-z0-9_-]+)\/?$/;

/**
 * Share: POST /snippets, show the link and move the address bar to it.
 * Opening `/s/<id>` loads that snippet. A snippet never changes: editing and
 * sharing again makes a new one (a fork), the original link keeps its code.
 */
export class ShareController {
  constructor(
    private readonly client: KilnClient,
    private readonly form: ProgramForm,
    private readonly notice: Notice,
    private readonly box: HTMLElement,
    private readonly url: HTMLInputElement,
    private readonly onError: (error: unknown) => void,
  ) {}

  async share(): Promise<void> {
    try {
      const created = await this.client.createSnippet(this.form.content());
      const link = new URL(created.url, location.origin).href;
      this.url.value = link;
      this.box.hidden = false;
      history.pushState(null, '', created.url);
      this.url.focus();
      this.url.select();
      this.notice.info(`Shared: anyone with the link sees this version (kept until ${new Date(created.expiresAt).toLocaleDateString()}).`);
    } catch (error) {
      this.onError(error);
    }
  }

  /** The snippet id in the address (`/s/<id>`), if any. */
  snippetId(): string | null {
    return SNIPPET_PATH.exec(location.pathname)?.[1] ?? null;
  }

  /** Fills the form from the snippet in the address; answers its language, or null. */
  async load(id: string): Promise<string | null> {
    try {
      const snippet = await this.client.snippet(id);
      this.form.load(snippet);
      const carried = this.form.carriedFiles();
      const files = carried.length ? ` It brings ${carried.length} more file(s): ${carried.join(', ')}.` : '';
      this.notice.info(`Shared snippet ${id}. Your edits and runs never change it; Share makes a new link.${files}`);
      return snippet.language;
    } catch (error) {
      this.onError(error);
      return null;
    }
  }
}
