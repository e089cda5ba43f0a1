import { DynamicModule, Module } from '@nestjs/common';
import { StoreModule } from '@kiln/store';
import { CancellationModule } from './cancellation/cancellation.module';
import { NodeModule } from './node/node.module';
import { RuntimeAdapter } from './runtime-choice';
import { SessionsModule } from './sessions/sessions.module';
import { TasksModule } from './tasks/tasks.module';

/** The worker: takes tasks from BullMQ and runs them in sandboxes. No HTTP API (docs/architecture.md, "Worker"). */
@Module({})
export class WorkerModule {
  /** The worker's rooms around the sandbox runtime it is built with (runtime-choice.ts: the runtime and the choice of its tier). */
  static withRuntime(runtime: RuntimeAdapter): DynamicModule {
    return {
      module: WorkerModule,
      imports: [StoreModule, ...runtime.modules, TasksModule, SessionsModule, CancellationModule, NodeModule],
    };
  }
}
