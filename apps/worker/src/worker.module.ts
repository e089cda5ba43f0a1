import { Module } from '@nestjs/common';
import { StoreModule } from '@kiln/store';
import { CancelListener } from './cancellation/cancel.listener';
import { QueueSlots } from './fair-share/queue-slots';
import { RunningShare } from './fair-share/running-share';
import { DockerWatchdog } from './heartbeat/docker-watchdog';
import { WorkerHeartbeat } from './heartbeat/worker-heartbeat';
import { WorkerIdentity } from './heartbeat/worker-identity';
import { WorkerMetrics } from './metrics/worker-metrics';
import { WorkerMetricsServer } from './metrics/worker-metrics.server';
import { OrphanReaper } from './reaper/orphan-reaper';
import { ContainerLauncher } from './sandbox/container-launcher';
import { ContainerPool } from './sandbox/container-pool';
import { ContainerSpecBuilder } from './sandbox/container-spec';
import { NestedModeCheck } from './sandbox/nested-mode.check';
import { dockerProvider } from './sandbox/docker.provider';
import { SandboxFactory } from './sandbox/sandbox-factory';
import { CleanupTaskRunner } from './tasks/cleanup-task.runner';
import { CompileCache } from './tasks/compile-cache';
import { CompileTaskRunner } from './tasks/compile-task.runner';
import { WorkspaceCollector } from './tasks/workspace-collector';
import { JobScratchStore } from './tasks/job-scratch.store';
import { OutputStreamer } from './tasks/output-streamer';
import { RunTaskRunner } from './tasks/run-task.runner';
import { SandboxExecutor } from './tasks/sandbox-executor';
import { TaskEventPublisher } from './tasks/task-event.publisher';
import { TaskProcessor } from './tasks/task.processor';
import { TaskQueueConsumer } from './tasks/task-queue.consumer';
import { TestBatchRunner } from './tasks/test-batch.runner';

/** The worker: takes tasks from BullMQ and runs them in sandboxes. No HTTP. */
@Module({
  imports: [StoreModule],
  providers: [
    dockerProvider,
    WorkerIdentity,
    WorkerHeartbeat,
    DockerWatchdog,
    ContainerSpecBuilder,
    ContainerLauncher,
    NestedModeCheck,
    ContainerPool,
    SandboxFactory,
    SandboxExecutor,
    JobScratchStore,
    CompileCache,
    CompileTaskRunner,
    WorkspaceCollector,
    RunTaskRunner,
    OutputStreamer,
    TestBatchRunner,
    CleanupTaskRunner,
    TaskEventPublisher,
    QueueSlots,
    RunningShare,
    TaskProcessor,
    TaskQueueConsumer,
    CancelListener,
    OrphanReaper,
    WorkerMetrics,
    WorkerMetricsServer,
  ],
})
export class WorkerModule {}
