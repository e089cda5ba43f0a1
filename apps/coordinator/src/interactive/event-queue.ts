/**
 * Events pushed by one side and iterated once by the other, in order: an
 * AsyncIterable that ends after end() (or throws what fail() was given). The
 * iterator's return() (a `break`) stops the iteration, not the producer.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private failure: Error | null = null;
  private done = false;
  private wake: (() => void) | null = null;
  private readonly endListeners: (() => void)[] = [];

  get ended(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.notify();
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.notify();
    this.endListeners.splice(0).forEach((listener) => listener());
  }

  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    this.end();
  }

  /** Called once, when the queue ends (at once if it has). */
  onEnd(listener: () => void): void {
    if (this.done) listener();
    else this.endListeners.push(listener);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length) {
        yield this.items.shift()!;
        continue;
      }
      if (this.done) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
