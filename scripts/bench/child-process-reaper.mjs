// A child a script started (Kiln, its redis-server, the floor process) must
// not outlive the script when it ends early: a bench or a measurement that
// throws would leave them running, with Kiln's warm containers and their
// sandboxes, and load every later run on the machine.

/**
 * Sends the child SIGTERM when this process exits, however it exits: Kiln
 * then shuts down by itself, removing its containers (a SIGKILL would leave
 * them). Returns the child.
 */
export function endsWithThisProcess(child) {
  const end = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', end);
  child.once('exit', () => process.removeListener('exit', end));
  return child;
}
