import { readFileSync } from 'node:fs';
import { SandboxConfig } from '@kiln/config';
import containerProfile from './seccomp/container.json';
import nestedOuterProfile from './seccomp/nested-outer.json';

/** Kiln's own profiles (seccomp/README.md), as the JSON text Docker takes. */
const BUILT_IN = { container: JSON.stringify(containerProfile), nested: JSON.stringify(nestedOuterProfile) };
const operatorProfiles = new Map<string, string>();

/** The config key that names the operator's profile for this mode. */
function profileKey(sandbox: SandboxConfig): { key: string; path: string } {
  return sandbox.mode === 'nested'
    ? { key: 'sandbox.nested.seccompProfile', path: sandbox.nested.seccompProfile }
    : { key: 'sandbox.seccompProfile', path: sandbox.seccompProfile };
}

function readOperatorProfile(key: string, path: string): string {
  try {
    return JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new Error(`${key}: cannot use ${path} as a seccomp profile: ${(error as Error).message}`);
  }
}

/**
 * The `seccomp=<json>` security option of a sandbox container in this mode:
 * Kiln's own profile, or the operator's file (read once). Never the engine's
 * built-in profile, which differs between Docker releases (20.10 allows
 * io_uring, 25 refuses it).
 */
export function seccompSecurityOpt(sandbox: SandboxConfig): string {
  const { key, path } = profileKey(sandbox);
  if (!path) return `seccomp=${BUILT_IN[sandbox.mode]}`;
  let text = operatorProfiles.get(path);
  if (text === undefined) {
    text = readOperatorProfile(key, path);
    operatorProfiles.set(path, text);
  }
  return `seccomp=${text}`;
}
