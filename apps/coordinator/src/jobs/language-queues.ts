import { ConfigError, LoadedConfig } from '@kiln/config';

/**
 * A language that names its queue (languages.yaml `queue`) must name one this
 * coordinator accepts: its jobs would otherwise be refused (or, were they
 * sent to the first queue instead, run in a tier the operator did not mean
 * for them). Checked before the coordinator starts, naming each language.
 */
export function assertLanguageQueues({ config, languages }: LoadedConfig): void {
  const accepted = config.coordinator.queues;
  const problems = languages
    .all()
    .filter((language) => language.queue !== undefined && !accepted.includes(language.queue))
    .map((language) => `language ${language.id}: queue "${language.queue}" is not one of coordinator.queues (${accepted.join(', ')})`);
  if (problems.length) throw new ConfigError(`invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
}
