import { LanguageDefinition, SessionMeta } from '@kiln/tasks';
import { SessionContexts } from './contexts/session-contexts';
import { SessionSandbox } from './session-sandbox';
import { SessionWorkspace } from './session-workspace';

/**
 * One session this worker holds: its sandbox (a dedicated lease), its files
 * and its contexts. Its requests run one after another, in the order they
 * came; the time it has been idle starts when the last one ends.
 */
export class HeldSession {
  lastUsedAt = Date.now();
  private chain: Promise<unknown> = Promise.resolve();
  private working = 0;
  private idleTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;

  constructor(
    readonly meta: SessionMeta,
    readonly language: LanguageDefinition,
    readonly sandbox: SessionSandbox,
    readonly workspace: SessionWorkspace,
    /** Null for a language without stateful contexts. */
    readonly contexts: SessionContexts | null,
  ) {}

  get busy(): boolean {
    return this.working > 0;
  }

  /** Runs `work` after the session's earlier requests; it is not idle while any is under way. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.working++;
    clearTimeout(this.idleTimer);
    const turn = this.chain.then(work).finally(() => {
      this.working--;
      this.lastUsedAt = Date.now();
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  /** Its deadline comes whatever it is doing. */
  startDeadline(expire: () => void): void {
    this.deadlineTimer = setTimeout(expire, Math.max(0, this.meta.deadline - Date.now()));
    this.deadlineTimer.unref();
  }

  /** Once no request is under way: `expire` after its idle timeout without another. */
  scheduleIdle(expire: () => void): void {
    clearTimeout(this.idleTimer);
    if (this.busy) return;
    this.idleTimer = setTimeout(expire, Math.max(0, this.lastUsedAt + this.meta.idleTimeoutMs - Date.now()));
    this.idleTimer.unref();
  }

  stopTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadlineTimer);
  }
}
