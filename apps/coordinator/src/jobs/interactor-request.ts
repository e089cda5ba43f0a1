import { KilnConfig } from '@kiln/config';
import { INTERACTOR_FILES, InteractorPlan, LanguageRegistry, SourceFile } from '@kiln/tasks';
import { FieldError } from '../http/field-error';
import { argumentProblems, judgeProgramOf, reservedFileProblems } from './checker-request';
import { CreateJobDto } from './dto/create-job.dto';

/** A request's interactor, checked: its plan (language, limits, how it takes its input) and its files. */
export interface InteractorRequest {
  plan: InteractorPlan;
  files: SourceFile[];
}

const KILNS_FILES = new Set<string>(Object.values(INTERACTOR_FILES));

/**
 * The interactor of a request (README, "Interactors"): a judging program as
 * a checker is (judgeProgramOf: its own limits, compiled once). It decides
 * each run or test itself, so it goes with neither a checker, a live client
 * nor the tests' expected answers (nor comparisons: comparison-request.ts);
 * its runs return no output files yet. With `input: "file"` it is run with
 * testlib's arguments `input.txt output.txt`: its language's run step must
 * take arguments, and none of its own files may have those names (Kiln
 * writes them).
 */
export function interactorOf(dto: CreateJobDto, languages: LanguageRegistry, config: KilnConfig, problems: FieldError[]): InteractorRequest | undefined {
  const interactor = dto.interactor;
  if (!interactor) return undefined;
  if (dto.checker || dto.interactive) {
    problems.push({ field: 'interactor', message: 'an interactor decides its runs itself: no checker or interactive with it' });
  }
  if (dto.outputFiles?.length) problems.push({ field: 'outputFiles', message: 'not returned beside an interactor, for now' });
  (dto.tests ?? []).forEach((test, index) => {
    if (test.expected !== undefined) problems.push({ field: `tests[${index}].expected`, message: 'the interactor decides: a test beside it has no expected answer' });
  });
  const judge = judgeProgramOf(interactor, 'interactor', languages, config, problems);
  if (!judge || interactor.input !== 'file') return judge;
  problems.push(...argumentProblems(judge, 'interactor', languages, 'an interactor with input "file"'));
  const why = `with input "file" Kiln writes ${INTERACTOR_FILES.input} and the interactor ${INTERACTOR_FILES.output}: name its files otherwise`;
  problems.push(...reservedFileProblems(interactor, judge, 'interactor', (name) => KILNS_FILES.has(name), why));
  return { ...judge, plan: { ...judge.plan, input: 'file' } };
}
