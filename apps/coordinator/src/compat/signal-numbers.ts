import { signalName } from '@kiln/tasks';

const NUMBERS = new Map<string, number>();
for (let number = 1; number <= 64; number++) NUMBERS.set(signalName(number)!, number);

/** The number of a signal Kiln reports by name ("SIGSEGV" → 11, "SIG40" → 40); null for none or unknown. */
export function signalNumber(name: string | null): number | null {
  return name === null ? null : (NUMBERS.get(name) ?? null);
}
