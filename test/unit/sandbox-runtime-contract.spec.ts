import { ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';
import { contractScript, describeRuntimeContract } from '../support/runtime-contract';

/** Issue 13, acceptance 2: the scripted adapter under the SandboxRuntime contract (no Docker, no Redis). */
describeRuntimeContract('scripted', async () => {
  const runtime = new ScriptedSandboxRuntime(contractScript);
  return {
    runtime,
    sandboxesLeft: async () => runtime.sandboxes.filter((sandbox) => sandbox.state !== 'removed').length,
    close: () => runtime.drain(),
  };
});
