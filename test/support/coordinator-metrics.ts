import request from 'supertest';
import { parseExposition, total } from './prometheus-text';

/**
 * How many jobs the coordinator at `url` has accepted since it started
 * (kiln_jobs_submitted_total): a request in flight is known to the house
 * once this counts its job.
 */
export async function jobsSubmitted(url: string): Promise<number> {
  return total(parseExposition((await request(url).get('/metrics')).text), 'kiln_jobs_submitted_total');
}
