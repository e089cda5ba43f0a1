/**
 * The sandbox modes every sandbox test runs in (`sandbox.mode`): one fresh
 * container per task, and nested bubblewrap sandboxes in pooled containers.
 */
export const SANDBOX_MODES: string[] = ['container', 'nested'];

export const modeEnv = (mode: string): Record<string, string> => (mode === 'container' ? {} : { KILN_SANDBOX__MODE: mode });
