import { Injectable } from '@nestjs/common';
import { Judge0SubmissionRepository } from '@kiln/store';
import { Limits } from '@kiln/tasks';
import { Judge0Submission } from './judge0-submission.request';

/**
 * What a submission asked for, kept beside its job (the token is the job's
 * id) so that GET /submissions/:token can answer the request attributes in
 * Judge0's words (language_id, expected_output, the limits as given…). The
 * job record holds the results; this holds nothing it does.
 */
export type StoredSubmission = Omit<Judge0Submission, 'language' | 'sourceCode' | 'stdin' | 'expectedOutput'> & {
  kilnLanguage: string;
  sourceCodeBase64: string;
  stdinBase64: string | null;
  expectedOutputBase64: string | null;
  /** The job's limits as Kiln resolved them (the defaults of what was not given). */
  limits: Limits;
};

/** Submissions as Judge0 names their attributes, kept by Judge0SubmissionRepository beside their jobs. */
@Injectable()
export class Judge0SubmissionStore {
  constructor(private readonly submissions: Judge0SubmissionRepository) {}

  async save(token: string, submission: Judge0Submission, limits: Limits): Promise<StoredSubmission> {
    const stored = toStored(submission, limits);
    await this.submissions.save(token, stored);
    return stored;
  }

  /** Several at once (a batch); null where a token is not a Judge0 submission. */
  load(tokens: string[]): Promise<(StoredSubmission | null)[]> {
    return this.submissions.load<StoredSubmission>(tokens);
  }
}

function toStored(submission: Judge0Submission, limits: Limits): StoredSubmission {
  const { language, sourceCode, stdin, expectedOutput, ...rest } = submission;
  return {
    ...rest,
    limits,
    kilnLanguage: language.definition.id,
    sourceCodeBase64: sourceCode.toString('base64'),
    stdinBase64: stdin?.toString('base64') ?? null,
    expectedOutputBase64: expectedOutput?.toString('base64') ?? null,
  };
}
