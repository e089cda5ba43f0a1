import { Judge0Languages } from './judge0-languages';
import { Judge0SubmissionStore } from './judge0-submission.store';
import { Judge0SubmissionsService } from './judge0-submissions.service';

export { judge0Controllers } from './judge0.controllers';
export const JUDGE0_PROVIDERS = [Judge0Languages, Judge0SubmissionStore, Judge0SubmissionsService];
