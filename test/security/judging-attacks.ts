import type { Server } from 'node:net';
import { greetingListener } from '../support/host-listener';
import { Harness, startKiln } from '../support/kiln-harness';
import { modeEnv } from '../support/sandbox-modes';
import { createTestNetwork, TestNetwork } from '../support/test-network';
import {
  agentKill,
  Attack,
  AttackContext,
  cgroupLimits,
  dockerSocket,
  hostMounts,
  identity,
  JobAnswer,
  networkEgress,
  processFlood,
  rootFsWrite,
  workspaceFill,
} from './attacks';

/**
 * The hostile catalogue (attacks.ts) sent as a judging program of a job: a
 * custom checker (hostile-checkers.e2e-spec.ts) or an interactor
 * (hostile-interactors.e2e-spec.ts). What such a program reports goes to its
 * stderr, which is its message (`checkerMessage`), so the catalogue's checks
 * read it as they read a program's stdout.
 */

/** What a judging program's run or test says: its verdict, message and why it could not judge. */
export interface JudgedStage {
  verdict: string;
  checkerMessage?: string;
  checkerError?: string;
}

/** The attacks whose check reads only what the program reported: they judge a checker's or an interactor's report as well. */
export const REPORTING = [networkEgress, hostMounts, rootFsWrite, workspaceFill, identity, cgroupLimits, processFlood, dockerSocket, agentKill];

/** The attack's program, its language and limits, reporting on stderr rather than stdout. */
export function reportingOnStderr(attack: Attack, context: AttackContext): { language: string; code: string; limits?: object } {
  const { language, code, limits } = attack.request(context) as { language: string; code: string; limits?: object };
  const reportOnStderr: Record<string, string> = { python: `import sys\nsys.stdout = sys.stderr\n${code}`, bash: `exec 1>&2\n${code}`, c: code };
  return { language, code: reportOnStderr[language], ...(limits ? { limits } : {}) };
}

/** The judging program's report as the catalogue's checks read a program's: its message is the "stdout". */
export function asProgramAnswer(job: { state: string; verdict: string }, stage: JudgedStage): JobAnswer {
  const run = { stdout: stage.checkerMessage ?? '', stderr: stage.checkerError ?? '', exitCode: null, signal: null, verdict: stage.verdict, wallTimeMs: 0, cpuTimeMs: 0, truncated: false };
  return { state: job.state, verdict: job.verdict, compile: null, run };
}

/** A Kiln in one sandbox mode, with a listener on the host and a test network of its own for the catalogue's network attacks. */
export interface JudgingStage {
  kiln: Harness;
  context: AttackContext;
  close(): Promise<void>;
}

export async function startJudgingStage(networkName: string, mode: string): Promise<JudgingStage> {
  const listener: Server = await greetingListener('hello from the host\n');
  let network: TestNetwork | undefined;
  let kiln: Harness;
  try {
    network = await createTestNetwork(networkName);
    kiln = await startKiln({ env: { ...modeEnv(mode), KILN_WORKER__CONCURRENCY: '2' } });
  } catch (error) {
    listener.close();
    await network?.remove();
    throw error;
  }
  const context = {
    host: { coordinatorPort: '8080', testHost: network.gateway, listenerPort: String((listener.address() as { port: number }).port) },
  };
  const close = async () => {
    listener.close();
    await kiln.close();
    await network!.remove();
  };
  return { kiln, context, close };
}
