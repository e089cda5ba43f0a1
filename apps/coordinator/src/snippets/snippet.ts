import { SourceFileDto, TestCaseDto } from '../jobs/dto/create-job.dto';

/** A stored snippet: what was shared, as it was shared, plus when. Never changed after it is stored. */
export interface Snippet {
  id: string;
  language: string;
  code?: string;
  files?: SourceFileDto[];
  stdin?: string;
  args?: string[];
  tests?: TestCaseDto[];
  outputFiles?: string[];
  createdAt: string;
  expiresAt: string;
}
