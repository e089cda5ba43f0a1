import { Comparison, DEFAULT_RUN_OPTIONS, TestCase, Tolerance } from '@kiln/tasks';
import { FieldError } from '../http/field-error';
import { ComparisonDto, CreateJobDto } from './dto/create-job.dto';

const COMPARISON_FIELDS = ['comparison', 'absoluteError', 'relativeError'] as const;
const BOUND_FIELDS = ['absoluteError', 'relativeError'] as const;

/**
 * The job's comparison and `float` bounds (README, "Comparison modes"). A
 * bound applies only where `float` does (the job's comparison, or a test's),
 * and none of it applies beside a checker or an interactor, which judges the outputs itself:
 * either is refused rather than ignored.
 */
export function jobComparisonOf(dto: CreateJobDto, problems: FieldError[]): { comparison: Comparison; tolerance?: Tolerance } {
  const comparison = dto.comparison ?? DEFAULT_RUN_OPTIONS.comparison;
  if (dto.checker || dto.interactor) {
    const judge = dto.checker ? 'a checker' : 'an interactor';
    refuseBesideChecker(dto, '', judge, problems);
    (dto.tests ?? []).forEach((test, index) => refuseBesideChecker(test, `tests[${index}].`, judge, problems));
    return { comparison };
  }
  const floatSomewhere = comparison === 'float' || (dto.tests ?? []).some((test) => test.comparison === 'float');
  if (!floatSomewhere) refuseBounds(dto, '', problems);
  const tolerance = toleranceOf(dto);
  return tolerance ? { comparison, tolerance } : { comparison };
}

/** A test's own comparison and bounds, in place of the job's; its bounds only where it is compared as `float`. */
export function testComparisonOf(test: ComparisonDto, index: number, job: Comparison, problems: FieldError[]): Pick<TestCase, 'comparison' | 'tolerance'> {
  const comparison = test.comparison ?? job;
  if (comparison !== 'float') refuseBounds(test, `tests[${index}].`, problems);
  const tolerance = toleranceOf(test);
  return { ...(test.comparison ? { comparison: test.comparison } : {}), ...(tolerance ? { tolerance } : {}) };
}

/** The bounds a request gives: one given alone leaves the other at 0 (neither given: the defaults, later). */
function toleranceOf(fields: ComparisonDto): Tolerance | undefined {
  if (fields.absoluteError === undefined && fields.relativeError === undefined) return undefined;
  return { absoluteError: fields.absoluteError ?? 0, relativeError: fields.relativeError ?? 0 };
}

function refuseBounds(fields: ComparisonDto, prefix: string, problems: FieldError[]): void {
  for (const field of BOUND_FIELDS) {
    if (fields[field] !== undefined) problems.push({ field: `${prefix}${field}`, message: 'applies only to comparison "float"' });
  }
}

function refuseBesideChecker(fields: ComparisonDto, prefix: string, judge: string, problems: FieldError[]): void {
  for (const field of COMPARISON_FIELDS) {
    if (fields[field] !== undefined) problems.push({ field: `${prefix}${field}`, message: `does not apply with ${judge}, which judges the output itself` });
  }
}
