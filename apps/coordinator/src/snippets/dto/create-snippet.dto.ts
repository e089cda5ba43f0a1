import { PickType } from '@nestjs/mapped-types';
import { CreateJobDto } from '../../jobs/dto/create-job.dto';

/**
 * The body of POST /snippets: the program part of a job request (what the
 * playground shares), validated exactly as POST /jobs validates it, without
 * limits, queues or webhooks.
 */
export class CreateSnippetDto extends PickType(CreateJobDto, ['language', 'code', 'files', 'stdin', 'args', 'tests', 'outputFiles'] as const) {}
