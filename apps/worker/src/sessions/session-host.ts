import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { SessionRepository } from '@kiln/store';
import { EndedSessionState, LanguageDefinition, LanguageRegistry, SessionMeta, SourceFile } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';
import { SandboxFileRefusedError } from '../sandbox/sandbox-lease';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';
import { SandboxExecutor } from '../tasks/sandbox-executor';
import { programEnvironment } from '../tasks/program-files';
import { contextDriverOf } from './contexts/context-drivers';
import { SessionContexts } from './contexts/session-contexts';
import { HeldSession } from './held-session';
import { SessionError } from './session-error';
import { SessionSandbox } from './session-sandbox';
import { SessionWorkspace } from './session-workspace';

/** The part a session's sandbox serves, in its owner's name (`docker ps`). */
export const SESSION_PART = 'session';

/**
 * The sessions this worker holds (worker.sessions.max at most): each a
 * dedicated lease of the sandbox runtime, taken when the session is made and
 * given back when it ends (closed, idle, at its deadline, its sandbox dead,
 * the worker stopping), which removes its container at once. The end is
 * written to the session's record, once, by this worker instance only.
 */
@Injectable()
export class SessionHost implements OnModuleDestroy {
  private readonly logger = new Logger(SessionHost.name);
  private readonly held = new Map<string, HeldSession>();
  private starting = 0;
  private slotFreed: () => Promise<void> = async () => undefined;

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly executor: SandboxExecutor,
    private readonly languages: LanguageRegistry,
    private readonly store: SessionRepository,
    private readonly identity: WorkerIdentity,
    private readonly config: KilnConfig,
  ) {}

  /** For the heartbeat: what it holds and the most it may. */
  counts(): { held: number; max: number } {
    return { held: this.held.size + this.starting, max: this.config.worker.sessions.max };
  }

  /**
   * Called as a session ends, before end() returns (so before a DELETE is
   * answered): coordinators place new sessions by the held count of the last
   * heartbeat, and one still counting the ended session would refuse a new
   * one (503) until the next beat. A count that is too low needs no haste:
   * the worker itself refuses a session past worker.sessions.max.
   */
  onSlotFreed(listener: () => Promise<void>): void {
    this.slotFreed = listener;
  }

  async create(meta: SessionMeta, files: SourceFile[]): Promise<{ diskMb: number }> {
    const language = this.languages.resolve(meta.language);
    if (!language) throw new SessionError('invalid', `this worker has no language ${meta.language}`, 'language');
    if (this.held.size + this.starting >= this.config.worker.sessions.max) {
      throw new SessionError('full', `worker ${this.identity.id} holds its most sessions (worker.sessions.max: ${this.config.worker.sessions.max})`);
    }
    this.starting++;
    try {
      return await this.take(meta, language, files);
    } finally {
      this.starting--;
    }
  }

  /** The session, if this worker holds it. */
  get(id: string): HeldSession {
    const held = this.held.get(id);
    if (!held) throw new SessionError('unknown-session', `worker ${this.identity.id} holds no session ${id}`);
    return held;
  }

  /**
   * Serves one request of a session: after its earlier ones, with the idle
   * clock stopped meanwhile; a sandbox that died under it ends the session.
   */
  async serve<T>(id: string, work: (held: HeldSession) => Promise<T>): Promise<T> {
    const held = this.get(id);
    try {
      return await held.exclusive(() => work(held));
    } catch (error) {
      if (error instanceof SessionError && error.code === 'sandbox-gone') {
        await this.end(id, 'lost', 'its sandbox ended unexpectedly');
      }
      throw error;
    } finally {
      if (this.held.get(id) === held) {
        await this.store.touch(id).catch(() => undefined);
        held.scheduleIdle(() => void this.end(id, 'expired', `it was idle for ${held.meta.idleTimeoutMs} ms (idleTimeoutMs)`));
      }
    }
  }

  /** Ends a session now: its sandbox killed and removed at once, its record says why. False when it held none. */
  async end(id: string, state: EndedSessionState, reason: string): Promise<boolean> {
    const held = this.held.get(id);
    if (!held) return false;
    this.held.delete(id);
    held.stopTimers();
    await this.runtime.killOwner(id);
    this.runtime.release(held.sandbox.lease);
    await this.store.end(held.meta, state, reason, this.identity.instance).catch((error: Error) => {
      this.logger.warn(`session ${id} ended (${reason}) but its record could not say so: ${error.message}`);
    });
    this.logger.log(`session ${id} ${state}: ${reason}`);
    await this.slotFreed();
    return true;
  }

  /** The worker stops: its sessions cannot outlive it. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.held.keys()].map((id) => this.end(id, 'lost', 'its worker stopped')));
  }

  private async take(meta: SessionMeta, language: LanguageDefinition, files: SourceFile[]): Promise<{ diskMb: number }> {
    const { limits } = meta;
    const lease = await this.runtime.lease({
      owner: { id: meta.id, part: SESSION_PART },
      image: language.image,
      limits: { memoryMb: limits.memoryMb, cpus: limits.cpus, processes: limits.processes },
      dedicated: true,
    });
    const diskMb = this.config.sandbox.workspaceMb;
    try {
      const keptCpuMs = Math.ceil(Math.max(0, meta.deadline - Date.now()) * Math.max(1, limits.cpus));
      const sandbox = new SessionSandbox(lease, this.executor, programEnvironment(language), keptCpuMs);
      const driver = contextDriverOf(language);
      const contexts = driver ? new SessionContexts(sandbox, driver, this.config.worker.sessions.maxContexts) : null;
      const held = new HeldSession(meta, language, sandbox, new SessionWorkspace(sandbox, diskMb), contexts);
      if (files.length) {
        await sandbox.putFiles(files.map((file) => ({ name: file.name, mode: 0o644, content: Buffer.from(file.contentBase64, 'base64') })));
      }
      // The coordinator may have given up meanwhile (its request timed out): then nobody knows this sandbox.
      if (!(await this.store.markReady(meta.id, this.identity.instance, diskMb))) {
        throw new SessionError('unknown-session', `session ${meta.id} was given up before its sandbox was ready`);
      }
      this.held.set(meta.id, held);
      held.startDeadline(() => void this.end(meta.id, 'expired', 'it reached its maximum lifetime (coordinator.sessions.maxLifetimeMs)'));
      held.scheduleIdle(() => void this.end(meta.id, 'expired', `it was idle for ${meta.idleTimeoutMs} ms (idleTimeoutMs)`));
      return { diskMb };
    } catch (error) {
      this.runtime.release(lease);
      if (error instanceof SandboxFileRefusedError) throw new SessionError('invalid', `a file could not be written: ${error.message}`, 'files');
      throw error;
    }
  }
}
