import { Module } from '@nestjs/common';
import { FairShareModule } from '../fair-share/fair-share.module';
import { IdentityModule } from '../identity/identity.module';
import { MetricsModule } from '../metrics/metrics.module';
import { CleanupTaskRunner } from './cleanup-task.runner';
import { CompileCache } from './compile-cache';
import { CompileTaskRunner } from './compile-task.runner';
import { InteractiveStages } from './interactive-stages';
import { InteractorPairs } from './interactor-pair';
import { JobScratchStore } from './job-scratch.store';
import { OutputFileCollector } from './output-file.collector';
import { OutputStreamer } from './output-streamer';
import { RunTaskRunner } from './run-task.runner';
import { SandboxExecutor } from './sandbox-executor';
import { TaskEventPublisher } from './task-event.publisher';
import { StalledTaskReporter } from './stalled-task.reporter';
import { TaskQueueConsumer } from './task-queue.consumer';
import { TaskProcessor } from './task.processor';
import { TestBatchRunner } from './test-batch.runner';
import { TestCheckers } from './test-checker';
import { WorkspaceCollector } from './workspace-collector';

/**
 * Tasks from the queues to their results: the BullMQ consumers, the
 * processor, one runner per kind, and what they share (scratch data, the
 * compile cache, output streaming, event reports). Sandboxes come from the
 * SandboxRuntime the worker was built with.
 */
@Module({
  imports: [IdentityModule, MetricsModule, FairShareModule],
  providers: [
    SandboxExecutor,
    JobScratchStore,
    CompileCache,
    CompileTaskRunner,
    WorkspaceCollector,
    RunTaskRunner,
    InteractiveStages,
    InteractorPairs,
    OutputStreamer,
    OutputFileCollector,
    TestBatchRunner,
    TestCheckers,
    CleanupTaskRunner,
    TaskEventPublisher,
    TaskProcessor,
    StalledTaskReporter,
    TaskQueueConsumer,
  ],
  exports: [TaskQueueConsumer, SandboxExecutor],
})
export class TasksModule {}
