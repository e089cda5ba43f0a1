import { KilnConfig } from '@kiln/config';
import { CHECKER_FILES_DIR, CheckerPlan, JudgeRole, LanguageRegistry, resolveLimits, SourceFile, takesArgs } from '@kiln/tasks';
import { FieldError } from '../http/field-error';
import { CheckerDto, CreateJobDto } from './dto/create-job.dto';
import { sourcesOf } from './request-sources';

/** A request's custom checker (or interactor), checked: its plan (language, limits) and its files. */
export interface CheckerRequest {
  plan: CheckerPlan;
  files: SourceFile[];
}

/**
 * The checker of a request (README, "Custom checkers"), held to what a job's
 * own program is held to (judgeProgramOf). It judges test cases, so a request
 * with a checker has tests; it gets its three files as arguments, so its
 * language's run step must take arguments.
 */
export function checkerOf(dto: CreateJobDto, languages: LanguageRegistry, config: KilnConfig, problems: FieldError[]): CheckerRequest | undefined {
  const checker = dto.checker;
  if (!checker) return undefined;
  if (!dto.tests?.length) problems.push({ field: 'checker', message: 'a checker judges test cases: give tests' });
  const judge = judgeProgramOf(checker, 'checker', languages, config, problems);
  if (!judge) return undefined;
  problems.push(...argumentProblems(judge, 'checker', languages, 'a checker'));
  const inKilnsDir = (name: string) => name === CHECKER_FILES_DIR || name.startsWith(`${CHECKER_FILES_DIR}/`);
  problems.push(...reservedFileProblems(checker, judge, 'checker', inKilnsDir, `${CHECKER_FILES_DIR}/ holds the files Kiln gives the checker`));
  return judge;
}

/** A judging program Kiln runs with file arguments (`what` it is): its language's run step must take arguments. */
export function argumentProblems(judge: CheckerRequest, role: JudgeRole, languages: LanguageRegistry, what: string): FieldError[] {
  const language = languages.get(judge.plan.language);
  if (takesArgs(language.run)) return [];
  return [{ field: `${role}.language`, message: `${language.id} cannot run ${what}: its run command takes no arguments` }];
}

/** The judging program's files that Kiln's own files would overwrite (`reserved` says which names, `why` why), each under its field. */
export function reservedFileProblems(program: CheckerDto, judge: CheckerRequest, role: JudgeRole, reserved: (name: string) => boolean, why: string): FieldError[] {
  const withCode = program.code !== undefined;
  return judge.files
    .map((file, index) => ({ file, field: withCode && index === 0 ? `${role}.code` : `${role}.files[${index - (withCode ? 1 : 0)}].name` }))
    .filter(({ file }) => reserved(file.name))
    .map(({ field }) => ({ field, message: why }));
}

/**
 * A judging program of the request (its checker or its interactor, named by
 * `role` in the fields), held to what a job's own program is held to: a known
 * language, sources within the configured bounds, limits of its own within
 * the maxima (of its own language). A compiled one is compiled once per job.
 */
export function judgeProgramOf(
  program: CheckerDto,
  role: JudgeRole,
  languages: LanguageRegistry,
  config: KilnConfig,
  problems: FieldError[],
): CheckerRequest | undefined {
  const language = languages.resolve(program.language);
  if (!language) problems.push({ field: `${role}.language`, message: `unknown language "${program.language}"; GET /languages lists them` });
  const files = sourcesOf(program, language, config.jobs, problems, `${role}.`);
  const resolved = resolveLimits(program.limits, config.limits, language?.limits);
  problems.push(...resolved.violations.map((violation) => ({ field: `${role}.${violation.field}`, message: violation.message })));
  if (!language) return undefined;
  return { plan: { language: language.id, compiled: Boolean(language.compile), limits: resolved.limits }, files };
}
