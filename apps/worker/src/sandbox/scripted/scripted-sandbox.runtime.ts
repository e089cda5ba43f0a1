import { RuntimeHealth, SandboxRequest, SandboxRuntime } from '../sandbox-runtime';
import { ScriptedProgram, ScriptedSandbox } from './scripted-sandbox';

export interface ScriptedRuntimeOptions {
  /** The worker's sandbox.killGraceMs: how long past its time limit a run may stay silent. Default 2000. */
  killGraceMs?: number;
  /** How long killing a sandbox takes, as an engine's kill is not instant (default 0: at once). */
  killDelayMs?: number;
}

/**
 * A SandboxRuntime without Docker, for tests of everything above the
 * runtime (task runners, processor, events, the coordinator over a real
 * Redis): every "program" is the one function it was given, run in a
 * scripted sandbox (scripted-sandbox.ts) under the agent's rules. Every lease
 * gets a fresh sandbox, removed when it is given back. It keeps every sandbox
 * it made, for the test to look at. Never chosen by configuration: a test
 * passes it to the worker it builds (test/support/README.md).
 */
export class ScriptedSandboxRuntime extends SandboxRuntime {
  readonly tier = 'scripted';
  /** Every sandbox it made, first to last. */
  readonly sandboxes: ScriptedSandbox[] = [];
  /** While set, health() says the runtime cannot make sandboxes, with this reason (the worker then takes no tasks). */
  unavailable: string | null = null;

  constructor(
    private readonly program: ScriptedProgram,
    private readonly options: ScriptedRuntimeOptions = {},
  ) {
    super(options.killGraceMs ?? 2000);
  }

  /** The sandboxes of one owner (a job id), first to last. */
  sandboxesOf(ownerId: string): ScriptedSandbox[] {
    return this.sandboxes.filter((sandbox) => sandbox.owner.id === ownerId);
  }

  async health(): Promise<RuntimeHealth> {
    return this.unavailable === null ? { ok: true } : { ok: false, error: this.unavailable };
  }

  async imageIdentity(image: string): Promise<string> {
    return `scripted:${image}`;
  }

  protected async take({ owner, image, limits }: SandboxRequest): Promise<ScriptedSandbox> {
    const sandbox = new ScriptedSandbox(`scripted-${this.sandboxes.length + 1}`, owner, image, limits, this.program, this.options.killDelayMs ?? 0);
    this.sandboxes.push(sandbox);
    return sandbox;
  }

  protected giveBack(sandbox: ScriptedSandbox): void {
    sandbox.remove();
  }

  protected stopPreparing(): void {
    // Nothing is prepared ahead.
  }

  protected async removeIdle(): Promise<void> {
    // Nothing is kept between leases.
  }
}
