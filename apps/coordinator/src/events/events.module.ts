import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { JobAdvancer } from './job-advancer';
import { StuckJobSweeper } from './stuck-job-sweeper';
import { TaskCompletedHandler } from './task-completed.handler';
import { TaskEndRecorder } from './task-end.recorder';
import { OlderWorkersEventsListener } from './older-workers-events.listener';
import { TaskEventApplier } from './task-event.applier';
import { TaskEventsListener } from './task-events.listener';
import { TaskFailedHandler } from './task-failed.handler';
import { TaskStartedHandler } from './task-started.handler';

/**
 * The workers' task events applied to their jobs (one handler per event),
 * each job advanced from its record alone; and the sweeper that ends jobs
 * nothing else could finish.
 */
@Module({
  imports: [JobsModule],
  providers: [JobAdvancer, TaskEndRecorder, TaskStartedHandler, TaskCompletedHandler, TaskFailedHandler, TaskEventApplier, TaskEventsListener, OlderWorkersEventsListener, StuckJobSweeper],
})
export class EventsModule {}
