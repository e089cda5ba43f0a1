import { Injectable } from '@nestjs/common';
import { JobRecord, toJobView } from '@kiln/tasks';

/** What a webhook sends: Kiln's job view by POST, or another API's shape and method. */
export interface WebhookRequest {
  method: 'POST' | 'PUT';
  body: unknown;
}

/** Renders the webhook of the jobs it knows (e.g. Judge0 submissions, whose callbacks are PUTs of a submission); null for the others. */
export interface WebhookRenderer {
  render(job: JobRecord): Promise<WebhookRequest | null>;
}

/**
 * How a finished job's webhook looks. A compatibility API registers a
 * renderer for its own jobs; every other job gets Kiln's job view. Delivery
 * (queue, retries, signature, address checks) is the same for all.
 */
@Injectable()
export class WebhookRenderers {
  private readonly renderers: WebhookRenderer[] = [];

  register(renderer: WebhookRenderer): void {
    this.renderers.push(renderer);
  }

  async render(job: JobRecord): Promise<WebhookRequest> {
    for (const renderer of this.renderers) {
      const request = await renderer.render(job);
      if (request) return request;
    }
    return { method: 'POST', body: toJobView(job) };
  }
}
