import { join } from 'node:path';
import { loadConfig } from '@kiln/config';
import { InvalidRequestException } from '../http/field-error';
import { CreateJobDto } from './dto/create-job.dto';
import { JobRequestFactory } from './job-request.factory';

describe('JobRequestFactory: the priority ceiling of a key', () => {
  const { config, languages } = loadConfig({ KILN_HOME: join(__dirname, '../../../..') });
  const factory = new JobRequestFactory(config, languages);
  const request = (priority?: number) => ({ language: 'python', code: 'print(1)', ...(priority === undefined ? {} : { priority }) }) as CreateJobDto;

  it('without a ceiling (no API keys) takes any priority, 5 by default', () => {
    expect(factory.create(request(10)).priority).toBe(10);
    expect(factory.create(request()).priority).toBe(5);
  });

  it('refuses a priority above the ceiling, naming the field and the setting', () => {
    expect(factory.create(request(5), 5).priority).toBe(5);
    const refusal = (() => {
      try {
        factory.create(request(6), 5);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(InvalidRequestException);
    expect((refusal as InvalidRequestException).getResponse()).toEqual({
      error: 'invalid request',
      details: [{ field: 'priority', message: 'at most 5 for this API key (coordinator.perKey.maxPriority)' }],
    });
  });

  it('gives a request without a priority the default, or the ceiling when that is lower', () => {
    expect(factory.create(request(), 3).priority).toBe(3);
    expect(factory.create(request(), 8).priority).toBe(5);
  });
});

describe('JobRequestFactory: how an interactor takes its input', () => {
  const { config, languages } = loadConfig({ KILN_HOME: join(__dirname, '../../../..') });
  const factory = new JobRequestFactory(config, languages);
  const request = (input: object, files: object[] = []) =>
    ({ language: 'python', code: 'print(1)', interactor: { language: 'python', code: 'print(1)', files, ...input } }) as CreateJobDto;

  it('plans input "file" into the interactor\'s plan, which the tasks carry to the worker', () => {
    expect(factory.create(request({ input: 'file' })).interactor).toMatchObject({ language: 'python', input: 'file' });
  });

  it('leaves the plan of a stdin interactor as it was: no input in it, the default', () => {
    expect(factory.create(request({})).interactor).not.toHaveProperty('input');
    expect(factory.create(request({ input: 'stdin' })).interactor).not.toHaveProperty('input');
  });

  it('takes files named input.txt and output.txt from a stdin interactor: Kiln writes neither then', () => {
    const files = [{ name: 'input.txt', content: '1' }, { name: 'output.txt', content: '' }];
    expect(factory.create(request({}, files)).input.interactor?.files.map((file) => file.name)).toEqual(['main.py', 'input.txt', 'output.txt']);
  });
});
