/**
 * The sandbox tiers every sandbox test runs in (`sandbox.mode`), each named
 * explicitly: one fresh container per task (the strict tier), and nested
 * bubblewrap sandboxes in pooled containers (the fast tier, which the
 * default `auto` chooses on a host that allows it).
 */
export const SANDBOX_MODES: string[] = ['container', 'nested'];

export const modeEnv = (mode: string): Record<string, string> => ({ KILN_SANDBOX__MODE: mode });
