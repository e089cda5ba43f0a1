import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { MAX_SKIPPED_LISTED } from '@kiln/tasks';
import { AgentExec } from '../agent/agent-frames';
import { AgentExecReport } from '../agent/agent-session';
import { KeptWorkspace, keptWorkspace } from './collected-workspace';

const MiB = 1024 * 1024;

/** The workspace as an artifact, or the sentence that says why it cannot be one (the program's doing). */
export type CollectedWorkspace = { kept: KeptWorkspace } | { notKept: string };

/** What a compile exec asks of the agent's collection. */
export type CollectOptions = Required<Pick<AgentExec, 'collect' | 'collectMaxBytes' | 'skippedMax'>>;

/**
 * Turns what a successful compile left in its sandbox into the artifact of
 * its run tasks. The agent collects the workspace at the end of the compile's
 * own exec, entry by entry, and names what it skipped
 * (docs/agent-protocol.md); whatever the program left there ends as kept
 * files, skipped paths or a reason it cannot be kept as a whole: never as an
 * error.
 */
@Injectable()
export class WorkspaceCollector {
  constructor(private readonly config: KilnConfig) {}

  /** The collect keys of a compile exec: as many skipped entries named as an answer lists. */
  get options(): CollectOptions {
    return { collect: true, collectMaxBytes: this.config.sandbox.artifactMaxMb * MiB, skippedMax: MAX_SKIPPED_LISTED };
  }

  /** The workspace of a compile exec that ended well (exit 0, within its limits). */
  workspaceOf(report: AgentExecReport): CollectedWorkspace {
    const { collectError, skippedCount } = report.result;
    if (collectError) return { notKept: this.collectErrorText(collectError) };
    return { kept: keptWorkspace(report.files, { entries: report.skipped, count: skippedCount }) };
  }

  private collectErrorText(error: string): string {
    switch (error) {
      case 'too_large':
        return `its files are larger than ${this.config.sandbox.artifactMaxMb} MiB together (too_large)`;
      case 'too_many_files':
        return 'it has more than 10000 files (too_many_files)';
      case 'too_many_entries':
        return 'it has more than 100000 files, directories and other entries (too_many_entries)';
      case 'workspace_unreadable':
        return 'the workspace is unreadable (workspace_unreadable)';
      default:
        return `its workspace could not be collected (${error})`;
    }
  }
}
