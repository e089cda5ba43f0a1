/** One line under the toolbar for what is not a run's result: snippets, shares, errors. */
export class Notice {
  constructor(private readonly element: HTMLElement) {}

  info(text: string): void {
    this.show(text, 'info');
  }

  error(text: string): void {
    this.show(text, 'error');
  }

  hide(): void {
    this.element.hidden = true;
  }

  private show(text: string, kind: 'info' | 'error'): void {
    this.element.textContent = text;
    this.element.dataset.kind = kind;
    this.element.hidden = false;
  }
}
