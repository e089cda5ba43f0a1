import { InvalidRequestException } from '../http/field-error';
import { CreateJobDto } from './dto/create-job.dto';

/**
 * What a job request sent over HTTP (POST /jobs, /execute) may not ask:
 * `interactive`, whose stdin only the WebSocket that started the run can
 * send (interactive/interactive-runs.ts). Over HTTP nothing could, so the
 * job would hold its sandbox until its time limit.
 */
export function refuseInteractiveOverHttp(dto: CreateJobDto): void {
  if (!dto.interactive) return;
  throw new InvalidRequestException([
    { field: 'interactive', message: 'an interactive run is started over the WebSocket at /interactive (README, "Interactive runs"): over HTTP nothing could send its stdin' },
  ]);
}
