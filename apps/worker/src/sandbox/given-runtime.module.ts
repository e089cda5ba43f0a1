import { DynamicModule, Module } from '@nestjs/common';
import { SandboxRuntime } from './sandbox-runtime';

@Module({})
export class GivenRuntimeModule {
  /**
   * A runtime the caller made (tests: scripted/scripted-sandbox.runtime.ts)
   * as the worker's SandboxRuntime. Never reachable from configuration: only
   * code that builds a worker (worker.bootstrap.ts's options) can pass one.
   */
  static of(runtime: SandboxRuntime): DynamicModule {
    return { module: GivenRuntimeModule, global: true, providers: [{ provide: SandboxRuntime, useValue: runtime }], exports: [SandboxRuntime] };
  }
}
