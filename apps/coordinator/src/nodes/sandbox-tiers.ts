import { SandboxTierFacts } from '@kiln/tasks';
import { NodeView } from './node-registry';

/** Workers that run one sandbox tier for one reason. */
export type SandboxTierView = SandboxTierFacts & { workers: number };

/** The tiers the given workers run, each with why and how many (their heartbeats carry it): /health for all alive workers, /queues per queue. */
export function sandboxTiers(workers: NodeView[]): SandboxTierView[] {
  const tiers = new Map<string, SandboxTierView>();
  for (const { sandbox } of workers) {
    if (!sandbox) continue;
    const key = JSON.stringify([sandbox.mode, sandbox.runtime, sandbox.setting, sandbox.reason]);
    const tier = tiers.get(key) ?? { ...sandbox, workers: 0 };
    tier.workers++;
    tiers.set(key, tier);
  }
  return [...tiers.values()];
}
