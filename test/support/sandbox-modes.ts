/**
 * The sandbox modes every sandbox test runs in (`sandbox.mode`): one fresh
 * container per task, and nested bubblewrap sandboxes in pooled containers.
 */
export const SANDBOX_MODES: string[] = ['container', 'nested'];

/**
 * A mode's environment. In nested mode every task's outer container is named
 * after its job (sandbox.nested.nameAfterMs 0), as container mode names
 * each of its containers: the suites find a job's sandbox by its name.
 */
export const modeEnv = (mode: string): Record<string, string> =>
  mode === 'container' ? {} : { KILN_SANDBOX__MODE: mode, ...(mode === 'nested' ? { KILN_SANDBOX__NESTED__NAME_AFTER_MS: '0' } : {}) };
