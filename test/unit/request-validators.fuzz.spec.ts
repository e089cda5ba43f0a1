import { ArgumentsHost, ExceptionFilter, HttpException } from '@nestjs/common';
import { join } from 'node:path';
import { loadConfig } from '@kiln/config';
import { SnippetRepository } from '@kiln/store';
import { ANONYMOUS } from '../../apps/coordinator/src/auth/principal';
import { CompatJobs } from '../../apps/coordinator/src/compat/compat-jobs';
import { Judge0ExceptionFilter } from '../../apps/coordinator/src/compat/judge0/judge0-exception.filter';
import { Judge0Languages } from '../../apps/coordinator/src/compat/judge0/judge0-languages';
import { Judge0SubmissionStore } from '../../apps/coordinator/src/compat/judge0/judge0-submission.store';
import { Judge0SubmissionView } from '../../apps/coordinator/src/compat/judge0/judge0-submission.view';
import { Judge0Query, Judge0SubmissionsService } from '../../apps/coordinator/src/compat/judge0/judge0-submissions.service';
import { PistonExceptionFilter } from '../../apps/coordinator/src/compat/piston/piston-exception.filter';
import { PistonExecutionService } from '../../apps/coordinator/src/compat/piston/piston-execution.service';
import { PistonRuntimes } from '../../apps/coordinator/src/compat/piston/piston-runtimes';
import { ApiExceptionFilter } from '../../apps/coordinator/src/http/api-exception.filter';
import { assertSafeJson } from '../../apps/coordinator/src/http/json-body-inspection';
import { RequestBodyException } from '../../apps/coordinator/src/http/request-body.exception';
import { apiValidationPipe } from '../../apps/coordinator/src/http/validation.pipe';
import { CreateJobDto } from '../../apps/coordinator/src/jobs/dto/create-job.dto';
import { JobRequestFactory } from '../../apps/coordinator/src/jobs/job-request.factory';
import { JobSubmission } from '../../apps/coordinator/src/jobs/job-submission';
import { JobsService } from '../../apps/coordinator/src/jobs/jobs.service';
import { CreateSessionDto } from '../../apps/coordinator/src/sessions/dto/create-session.dto';
import { SessionRunDto } from '../../apps/coordinator/src/sessions/dto/session-run.dto';
import { SessionRequestFactory } from '../../apps/coordinator/src/sessions/session-request.factory';
import { CreateSnippetDto } from '../../apps/coordinator/src/snippets/dto/create-snippet.dto';
import { SnippetsService } from '../../apps/coordinator/src/snippets/snippets.service';
import { JsonFuzzer, seededRandom } from '../support/json-fuzz';
import { Answer, BASES, SEEDS, shapeProblem, Target } from '../support/request-fuzz';

/**
 * Issue 12, acceptance 6 (the request side): a bounded, deterministic fuzz of
 * every request validator — the body checks at the edge, the native DTO and
 * its configuration checks, the session and session-run DTOs and their checks, and the Piston and Judge0 request rules and
 * mappers — run exactly as the routes run them, each error through its
 * route's own exception filter. Whatever the body, the answer is a success
 * or a 4xx in that API's error shape; never a 500, never a crash.
 *
 * Only what follows validation is stood in for: the job is "accepted" where
 * JobSubmission would store and queue it (Redis is not what is under test).
 */
/** Where the real JobSubmission would plan, store and queue the job. */
class Accepted extends Error {}

function pipelines() {
  const loaded = loadConfig({ KILN_HOME: join(__dirname, '..', '..') });
  const { config, languages } = loaded;
  const factory = new JobRequestFactory(config, languages);
  const accept = async (dto: CreateJobDto) => (factory.create(dto), Promise.reject(new Accepted()));
  // Validated and planned is as far as it goes: `prepare` is where a batch's entries stop, `submit` a single job.
  const submission = { submit: accept, prepare: accept } as unknown as JobSubmission;
  const jobs = new CompatJobs(submission, {} as JobsService);
  const snippetStore = { create: async () => ({ outcome: 'stored' }) } as unknown as SnippetRepository;
  const snippets = new SnippetsService(snippetStore, factory, config);
  const snippetPipe = apiValidationPipe();
  const piston = new PistonExecutionService(new PistonRuntimes(languages), jobs, config);
  const judge0Languages = new Judge0Languages(languages);
  const judge0 = new Judge0SubmissionsService(jobs, judge0Languages, {} as Judge0SubmissionStore, new Judge0SubmissionView(judge0Languages, config), config);
  // Sessions: checked as POST /sessions and POST /sessions/:id/run check them (a Python session's run), then "accepted".
  const sessions = new SessionRequestFactory(config, languages);
  const python = languages.get('python');
  const session = async (body: unknown) => (sessions.create((await snippetPipe.transform(body, { type: 'body', metatype: CreateSessionDto })) as CreateSessionDto), Promise.reject(new Accepted()));
  const sessionRun = async (body: unknown) => {
    const dto = (await snippetPipe.transform(body, { type: 'body', metatype: SessionRunDto })) as SessionRunDto;
    return sessions.run(dto, python, { ...config.limits.defaults }), Promise.reject(new Accepted());
  };
  const filters: Record<Target, ExceptionFilter> = {
    native: new ApiExceptionFilter(),
    snippet: new ApiExceptionFilter(),
    piston: new PistonExceptionFilter(),
    judge0: new Judge0ExceptionFilter(),
    'judge0-batch': new Judge0ExceptionFilter(),
    session: new ApiExceptionFilter(),
    'session-run': new ApiExceptionFilter(),
  };
  const run: Record<Target, (body: unknown, query: Judge0Query) => Promise<unknown>> = {
    native: (body) => jobs.submit(body as object, ANONYMOUS),
    snippet: async (body) => snippets.create((await snippetPipe.transform(body, { type: 'body', metatype: CreateSnippetDto })) as CreateSnippetDto, ANONYMOUS),
    piston: (body) => piston.execute(body, ANONYMOUS),
    judge0: (body, query) => judge0.create(body as never, query, ANONYMOUS),
    'judge0-batch': (body, query) => judge0.createBatch(body as never, query, ANONYMOUS),
    session,
    'session-run': sessionRun,
  };
  return { run, filters };
}

/** What the client would get: the route's own answer, or its exception through the route's filter. */
async function answer(target: Target, text: string, query: Judge0Query, bench: ReturnType<typeof pipelines>, checkEdge: boolean): Promise<Answer> {
  try {
    const body = JSON.parse(text) as unknown;
    if (checkEdge) assertSafeJson(body);
    const result = await bench.run[target](body, query);
    const status = (result as { status?: unknown })?.status;
    return { status: typeof status === 'number' ? status : 200, body: (result as { body?: unknown })?.body ?? result };
  } catch (error) {
    if (error instanceof Accepted) return { status: 202, body: null };
    // JsonBodyInterceptor refuses a body that does not parse, as this.
    const refused = error instanceof SyntaxError ? new RequestBodyException(400, 'malformed JSON body', [{ field: 'body', message: error.message }]) : error;
    return filtered(bench.filters[target], refused);
  }
}

function filtered(filter: ExceptionFilter, error: unknown): Answer {
  const answer: Answer = { status: 0, body: undefined };
  const response = { status: (status: number) => ((answer.status = status), response), json: (body: unknown) => (answer.body = body) };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  filter.catch(error, host);
  if (!(error instanceof HttpException)) answer.body = { crashed: String((error as Error)?.stack ?? error) };
  return answer;
}

describe('fuzz: request validators never fail Kiln (seeds in test/support/request-fuzz-seeds.json)', () => {
  const bench = pipelines();
  const targets = Object.keys(BASES) as Target[];

  /** The problems of one body, and the status the route answers it with. */
  async function check(target: Target, text: string, query: Judge0Query, label: string): Promise<{ problems: string[]; status: number }> {
    const problems: string[] = [];
    let status = 0;
    // As the route answers it (edge first), and the validators alone on the same body: they must stand on their own too.
    for (const checkEdge of [true, false]) {
      const got = await answer(target, text, query, bench, checkEdge);
      if (checkEdge) status = got.status;
      const problem = shapeProblem(target, got);
      if (problem) problems.push(`${label} ${target}${checkEdge ? '' : ' (validators alone)'}: ${problem}: ${JSON.stringify(got.body).slice(0, 400)} ← ${text.slice(0, 400)}`);
    }
    return { problems, status };
  }

  it.each(SEEDS.seeds)('seed %i', async (seed) => {
    const fuzz = new JsonFuzzer(seededRandom(seed));
    const problems: string[] = [];
    const outcomes = new Set<number>();
    for (let i = 0; i < SEEDS.casesPerSeed; i++) {
      const target = targets[i % targets.length];
      const text = fuzz.text(fuzz.mutate(fuzz.pick(BASES[target])));
      const query: Judge0Query = fuzz.chance(0.3) ? { base64_encoded: 'true' } : {};
      const checked = await check(target, text, query, `seed ${seed} case ${i}`);
      problems.push(...checked.problems);
      outcomes.add(checked.status);
    }
    expect(problems).toEqual([]);
    // The cases reach both sides of the validators, not only their first check.
    expect([...outcomes].some((status) => status < 300)).toBe(true);
    expect([...outcomes].some((status) => status >= 400)).toBe(true);
  });

  it('replays the regressions', async () => {
    const problems = [];
    for (const [index, { target, query, body }] of SEEDS.regressions.entries()) problems.push(...(await check(target, body, query, `regression ${index}`)).problems);
    expect(problems).toEqual([]);
  });

  it('the bases are valid requests (so mutations start from the accepting side)', async () => {
    for (const target of targets) {
      for (const base of BASES[target]) {
        const got = await answer(target, JSON.stringify(base), target === 'judge0' && JSON.stringify(base).includes('aW50') ? { base64_encoded: 'true' } : {}, bench, true);
        expect({ target, accepted: got.status < 300 }).toEqual({ target, accepted: true });
      }
    }
  });
});
