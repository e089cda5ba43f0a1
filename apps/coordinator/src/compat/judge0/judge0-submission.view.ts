import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { JobView } from '@kiln/tasks';
import { judge0Attributes } from './judge0-attributes';
import { Judge0Languages } from './judge0-languages';
import { Judge0Attribute, serializeSubmission } from './judge0-serializer';
import { StoredSubmission } from './judge0-submission.store';

/** A submission as Judge0 shows it: its job and stored request, the requested fields, text as UTF-8 or base64. */
@Injectable()
export class Judge0SubmissionView {
  constructor(
    private readonly languages: Judge0Languages,
    private readonly config: KilnConfig,
  ) {}

  render(view: JobView, stored: StoredSubmission, fields: readonly Judge0Attribute[], base64: boolean): Record<string, unknown> {
    const fileSizeKb = this.config.sandbox.fileSizeMb * 1024;
    const attributes = judge0Attributes(view.id, view, stored, this.languages.find(stored.languageId), fileSizeKb);
    return serializeSubmission(attributes, fields, base64);
  }
}
