import { LanguageRegistry } from '@kiln/tasks';
import { AgentStartError, ContainerLauncher } from '../docker/container-launcher';

/** Nested mode was asked for on a host (or engine) that cannot give it. */
export class NestedModeUnavailableError extends Error {}

const PROBE_ATTEMPTS = 2;

/** What the operator can do about a host that cannot create nested sandboxes. */
export const USER_NAMESPACES_HINT =
  'Nested mode needs unprivileged user namespaces (sysctl user.max_user_namespaces > 0, ' +
  'kernel.unprivileged_userns_clone=1 where it exists, no kernel.apparmor_restrict_unprivileged_userns=1).';

/**
 * Before a worker that may run nested sandboxes takes any task (sandbox.mode
 * nested or auto; runtime-choice.ts): starts one outer container with a
 * launcher of the nested tier and waits for its first nested sandbox to say
 * hello. Resolves to null when it did, or to what went wrong when the
 * sandbox could not start, twice (a container removed behind the worker's
 * back, say by another worker's reaper, must not decide the tier): hosts that
 * forbid unprivileged user namespaces (user.max_user_namespaces=0,
 * kernel.unprivileged_userns_clone=0, AppArmor's
 * kernel.apparmor_restrict_unprivileged_userns=1) fail here, not at every
 * task later. Anything else (no image, the engine refusing the container) is
 * thrown: it says nothing about the host's namespaces.
 */
export async function nestedSandboxProblem(launcher: ContainerLauncher, languages: LanguageRegistry): Promise<string | null> {
  const image = languages.all()[0]?.image ?? 'kiln/base:latest';
  const limits = { memoryMb: 64, cpus: 0.5, processes: 8 };
  let problem: string | null = null;
  for (let attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
    try {
      await launcher.remove(await launcher.launch(launcher.optionsFor(image, limits), limits));
      return null;
    } catch (error) {
      if (!(error instanceof AgentStartError)) throw error;
      problem = error.message;
    } finally {
      await launcher.removalsSettled();
    }
  }
  return problem;
}

/** Explicit nested mode on a host that cannot give it: the worker refuses to start, saying why. */
export function nestedModeUnavailable(problem: string): NestedModeUnavailableError {
  return new NestedModeUnavailableError(
    `sandbox.mode is nested, but no nested sandbox could be created on this host: ${problem}. ` +
      `${USER_NAMESPACES_HINT} Allow them, or use sandbox.mode: container (or auto, which falls back to it).`,
  );
}
