import { DynamicModule, Module } from '@nestjs/common';

/**
 * The tier in force on this worker and why, decided once at start-up
 * (runtime-choice.ts): the start-up log says it, and the heartbeat carries it
 * to the coordinators' /health and /nodes.
 */
export class SandboxChoice {
  constructor(
    /** The tier: `container`, `nested`, or a runtime given in code (`scripted`). */
    readonly mode: string,
    /** sandbox.mode as configured (`auto`, `container`, `nested`), or `given` for a runtime given in code. */
    readonly setting: string,
    /** One sentence: why this tier. */
    readonly reason: string,
  ) {}

  /** As the heartbeat carries it. */
  toJSON(): { mode: string; setting: string; reason: string } {
    return { mode: this.mode, setting: this.setting, reason: this.reason };
  }
}

@Module({})
export class SandboxChoiceModule {
  /** The choice, to every room of the worker. */
  static of(choice: SandboxChoice): DynamicModule {
    return { module: SandboxChoiceModule, global: true, providers: [{ provide: SandboxChoice, useValue: choice }], exports: [SandboxChoice] };
  }
}
