import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRecord, toJobView } from '@kiln/tasks';
import { WebhookRenderer, WebhookRenderers, WebhookRequest } from '../../webhooks/webhook-renderers';
import { DEFAULT_FIELDS } from './judge0-serializer';
import { Judge0SubmissionStore } from './judge0-submission.store';
import { Judge0SubmissionView } from './judge0-submission.view';

/**
 * callback_url is the job's webhook; for a Judge0 submission it carries what
 * Judge0's call_callback sends: a PUT of the submission's default attributes,
 * base64-encoded. Delivery is Kiln's (durable queue, retries, signature).
 */
@Injectable()
export class Judge0CallbackRenderer implements WebhookRenderer, OnModuleInit {
  constructor(
    private readonly renderers: WebhookRenderers,
    private readonly store: Judge0SubmissionStore,
    private readonly submissions: Judge0SubmissionView,
  ) {}

  onModuleInit(): void {
    this.renderers.register(this);
  }

  async render(job: JobRecord): Promise<WebhookRequest | null> {
    const [stored] = await this.store.load([job.meta.id]);
    if (!stored) return null;
    return { method: 'PUT', body: this.submissions.render(toJobView(job), stored, DEFAULT_FIELDS, true) };
  }
}
