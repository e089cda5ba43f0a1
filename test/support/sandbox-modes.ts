/**
 * The sandbox tiers every sandbox test runs in (`sandbox.mode`), each named
 * explicitly: one fresh container per task (the strict tier), and nested
 * bubblewrap sandboxes in pooled containers (the fast tier, which the
 * default `auto` chooses on a host that allows it).
 */
export const SANDBOX_MODES: string[] = ['container', 'nested'];

/**
 * A mode's environment, the mode named explicitly (the default, auto, picks
 * one by the host). In nested mode every task's outer container is named
 * after its job (sandbox.nested.nameAfterMs 0), as container mode names
 * each of its containers: the suites find a job's sandbox by its name.
 */
export const modeEnv = (mode: string): Record<string, string> => ({
  KILN_SANDBOX__MODE: mode,
  ...(mode === 'nested' ? { KILN_SANDBOX__NESTED__NAME_AFTER_MS: '0' } : {}),
});
