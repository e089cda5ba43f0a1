import 'reflect-metadata';
import { CreateJobDto } from '../jobs/dto/create-job.dto';
import { CreateSessionDto } from '../sessions/dto/create-session.dto';
import { SessionRunDto } from '../sessions/dto/session-run.dto';
import { apiValidationPipe } from './validation.pipe';

async function problems(body: unknown, metatype: new () => object = CreateJobDto): Promise<unknown> {
  try {
    await apiValidationPipe().transform(body, { type: 'body', metatype });
    return 'accepted';
  } catch (error) {
    return (error as { getResponse(): { details: unknown } }).getResponse().details;
  }
}

const job = { language: 'python', code: 'x' };

describe('apiValidationPipe', () => {
  it('names a missing required field as missing, once', async () => {
    expect(await problems({})).toEqual([{ field: 'language', message: 'language is required' }]);
  });

  it.each([
    [[], 'an array'],
    [null, 'null'],
    ['text', 'string'],
  ])('refuses a body that is not a JSON object (%j)', async (body, got) => {
    expect(await problems(body)).toEqual([{ field: 'body', message: `must be a JSON object, got ${got}` }]);
  });

  it('says what a value should be, not a size limit it never came near', async () => {
    expect(await problems({ ...job, tests: {} })).toEqual([{ field: 'tests', message: 'tests must be an array' }]);
    expect(await problems({ ...job, args: 'x' })).toEqual([{ field: 'args', message: 'args must be an array' }]);
    expect(await problems({ command: 'ls' }, SessionRunDto)).toEqual([{ field: 'command', message: 'command must be an array' }]);
  });

  it.each([null, [], 5, 'x'])('refuses limits of %j as not an object, in a job, its checker and a session', async (limits) => {
    expect(await problems({ ...job, limits })).toEqual([{ field: 'limits', message: 'limits must be an object' }]);
    expect(await problems({ ...job, checker: { ...job, limits } })).toEqual([{ field: 'checker.limits', message: 'limits must be an object' }]);
    expect(await problems({ language: 'python', limits }, CreateSessionDto)).toEqual([{ field: 'limits', message: 'limits must be an object' }]);
  });

  it('refuses a checker or an interactor that is not an object', async () => {
    expect(await problems({ ...job, checker: [] })).toEqual([{ field: 'checker', message: 'checker must be an object' }]);
    expect(await problems({ ...job, interactor: 'x' })).toEqual([{ field: 'interactor', message: 'interactor must be an object' }]);
  });

  it('still lists every field that is wrong, and an unknown field by its name', async () => {
    const found = await problems({ language: 5, code: 'x', nope: 1, files: [{ name: 'a.py' }] });
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        { field: 'language', message: 'language must be a string' },
        { field: 'nope', message: 'unknown field "nope"' },
        { field: 'files[0].content', message: 'content is required' },
      ]),
    );
  });

  it('reports the limit a value of the right kind goes past', async () => {
    expect(await problems({ ...job, language: 'x'.repeat(65) })).toEqual([{ field: 'language', message: 'language must be shorter than or equal to 64 characters' }]);
  });

  it('accepts a well-formed job', async () => {
    expect(await problems({ ...job, limits: { timeoutMs: 1000 }, tests: [{ stdin: '1' }] })).toBe('accepted');
  });
});
