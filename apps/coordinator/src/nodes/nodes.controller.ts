import { Controller, Get } from '@nestjs/common';
import { NodeRegistry } from './node-registry';

/** GET /nodes: every worker and coordinator with its status (UP, DOWN, OFFLINE) and load. */
@Controller('nodes')
export class NodesController {
  constructor(private readonly nodes: NodeRegistry) {}

  @Get()
  list() {
    return this.nodes.list();
  }
}
