import { readFileSync } from 'node:fs';

/** Where a tier's seccomp profile comes from. */
export interface SeccompSource {
  /** The config key that may name the operator's file (for error messages). */
  key: string;
  /** The operator's file; empty: Kiln's own profile. */
  path: string;
  /** Kiln's own profile for the tier (seccomp/README.md). */
  builtIn: object;
}

/** The options by file path (read once) or by built-in profile: one string each, the same every time (pool-key.ts digests it once). */
const options = new Map<string | object, string>();

function readOperatorProfile(key: string, path: string): string {
  try {
    return JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new Error(`${key}: cannot use ${path} as a seccomp profile: ${(error as Error).message}`);
  }
}

/**
 * The `seccomp=<json>` security option of a sandbox container: the tier's
 * own profile, or the operator's file (read once). Never the engine's
 * built-in profile, which differs between Docker releases (20.10 allows
 * io_uring, 25 refuses it).
 */
export function seccompSecurityOpt({ key, path, builtIn }: SeccompSource): string {
  const source = path || builtIn;
  let option = options.get(source);
  if (option === undefined) {
    option = `seccomp=${path ? readOperatorProfile(key, path) : JSON.stringify(builtIn)}`;
    options.set(source, option);
  }
  return option;
}
