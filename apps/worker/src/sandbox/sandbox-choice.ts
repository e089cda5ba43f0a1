import { DynamicModule, Module } from '@nestjs/common';
import { SandboxTierFacts } from '@kiln/tasks';

/**
 * The tier in force on this worker and why, decided once at start-up
 * (runtime-choice.ts): the start-up log says it, and the heartbeat carries it
 * to the coordinators' /health, /nodes and /queues. One worker process runs
 * one tier for every queue it serves (docs/architecture.md, "Tiers per queue").
 */
export class SandboxChoice {
  constructor(
    /** The sandbox mode: `container`, `nested`, or a runtime given in code (`scripted`). */
    readonly mode: string,
    /** The OCI runtime the sandboxes' containers run under (sandbox.runtime: `runc`, `runsc`), or `none` for a runtime given in code. */
    readonly runtime: string,
    /** sandbox.mode as configured (`auto`, `container`, `nested`), or `given` for a runtime given in code. */
    readonly setting: string,
    /** One sentence: why this tier. */
    readonly reason: string,
  ) {}

  /** As the heartbeat carries it. */
  toJSON(): SandboxTierFacts {
    return { mode: this.mode, runtime: this.runtime, setting: this.setting, reason: this.reason };
  }
}

@Module({})
export class SandboxChoiceModule {
  /** The choice, to every room of the worker. */
  static of(choice: SandboxChoice): DynamicModule {
    return { module: SandboxChoiceModule, global: true, providers: [{ provide: SandboxChoice, useValue: choice }], exports: [SandboxChoice] };
  }
}
