import { Module } from '@nestjs/common';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { CompatModule } from '../compat.module';
import { Judge0CallbackRenderer } from './judge0-callback.renderer';
import { Judge0Languages } from './judge0-languages';
import { Judge0SubmissionStore } from './judge0-submission.store';
import { Judge0SubmissionView } from './judge0-submission.view';
import { Judge0SubmissionsService } from './judge0-submissions.service';

/** Judge0 CE compatibility (docs/compat-judge0.md); its callbacks are webhooks rendered as Judge0 sends them. */
@Module({
  imports: [CompatModule, WebhooksModule],
  providers: [Judge0Languages, Judge0SubmissionStore, Judge0SubmissionsService, Judge0SubmissionView, Judge0CallbackRenderer],
  exports: [Judge0Languages, Judge0SubmissionsService],
})
export class Judge0Module {}
