import { Judge0CallbackRenderer } from './judge0-callback.renderer';
import { Judge0Languages } from './judge0-languages';
import { Judge0SubmissionStore } from './judge0-submission.store';
import { Judge0SubmissionsService } from './judge0-submissions.service';
import { Judge0SubmissionView } from './judge0-submission.view';

export { judge0Controllers } from './judge0.controllers';
export const JUDGE0_PROVIDERS = [Judge0Languages, Judge0SubmissionStore, Judge0SubmissionsService, Judge0SubmissionView, Judge0CallbackRenderer];
