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
