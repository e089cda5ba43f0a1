import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { TaskQueue } from './task-queue';

/** The task queues as the coordinator fills them (GET /queues reads them, with the workers serving each). */
@Module({
  imports: [NodesModule],
  providers: [TaskQueue],
  exports: [TaskQueue, NodesModule],
})
export class QueuesModule {}
