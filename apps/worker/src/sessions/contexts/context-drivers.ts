import { ContextLanguage, hasContexts, LanguageDefinition } from '@kiln/tasks';
import { NODE_CONTEXT_DRIVER } from './node-context.driver';
import { PYTHON_CONTEXT_DRIVER } from './python-context.driver';

/** How a language's stateful contexts start: its interpreter, given the driver's source as an argument. */
export interface ContextDriver {
  /** argv before `serve <name>` or `run <name> <limit>`. */
  argv: string[];
}

/** The languages with stateful contexts, by language id, and the flag that hands their interpreter a program. */
const DRIVERS: Record<ContextLanguage, { flag: string; source: string }> = {
  python: { flag: '-c', source: PYTHON_CONTEXT_DRIVER },
  javascript: { flag: '-e', source: NODE_CONTEXT_DRIVER },
};

/** The driver of a language's contexts (its run step's interpreter), or null when it has none. */
export function contextDriverOf(language: LanguageDefinition): ContextDriver | null {
  if (!hasContexts(language.id)) return null;
  const driver = DRIVERS[language.id];
  return { argv: [language.run[0], driver.flag, driver.source] };
}
