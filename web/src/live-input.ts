import type { InteractiveSocket } from './interactive-socket';
import type { OutputView } from './output-view';

/**
 * The input box under the output while a program runs interactively: a
 * line typed there (Enter or Send) goes to the program's stdin, with its
 * newline, and shows in the output as a terminal echoes it; End of input
 * closes stdin (what Ctrl-D does in a terminal).
 */
export class LiveInput {
  private socket: InteractiveSocket | null = null;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly line: HTMLInputElement,
    private readonly send: HTMLButtonElement,
    private readonly end: HTMLButtonElement,
    private readonly output: OutputView,
  ) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendLine();
    });
    end.addEventListener('click', () => this.endInput());
  }

  attach(socket: InteractiveSocket): void {
    this.socket = socket;
    this.form.hidden = false;
    this.setEnabled(true);
    this.line.focus();
  }

  detach(): void {
    this.socket = null;
    this.setEnabled(false);
    this.form.hidden = true;
  }

  private sendLine(): void {
    if (!this.socket) return;
    const text = `${this.line.value}\n`;
    this.socket.write(text);
    this.output.echo(text);
    this.line.value = '';
  }

  private endInput(): void {
    this.socket?.endInput();
    this.setEnabled(false);
  }

  private setEnabled(enabled: boolean): void {
    this.line.disabled = !enabled;
    this.send.disabled = !enabled;
    this.end.disabled = !enabled;
  }
}
