/**
 * The sandbox modes every sandbox test runs in (`sandbox.mode`): one fresh
 * container per task, and (once available) nested bubblewrap sandboxes.
 */
export const SANDBOX_MODES: string[] = ['container'];

export const modeEnv = (mode: string): Record<string, string> => (mode === 'container' ? {} : { KILN_SANDBOX__MODE: mode });
