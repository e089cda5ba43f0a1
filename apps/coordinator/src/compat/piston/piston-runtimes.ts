import { Injectable } from '@nestjs/common';
import { coerce, rcompare, satisfies } from 'semver';
import { LanguageDefinition, LanguageRegistry } from '@kiln/tasks';

/** One entry of GET /api/v2/runtimes, plus the Kiln language behind it. */
export interface PistonRuntime {
  language: string;
  /** Kiln's version as semver (Piston matches selectors with semver; "6.8.0.105" becomes "6.8.0"). */
  version: string;
  aliases: string[];
  /** The package providing the language, where Piston names one (gcc, node, mono). */
  runtime?: string;
  definition: LanguageDefinition;
}

// Piston's language names where they differ from Kiln's ids; the Kiln id stays an alias.
const PISTON_NAMES: Record<string, string> = { cpp: 'c++' };
// Piston's `runtime` of the languages it serves through a shared package.
const PISTON_PACKAGES: Record<string, string> = { c: 'gcc', cpp: 'gcc', javascript: 'node', csharp: 'mono' };

/** Kiln's languages as Piston runtimes, and Piston's rule for choosing one. */
@Injectable()
export class PistonRuntimes {
  private readonly runtimes: PistonRuntime[];

  constructor(languages: LanguageRegistry) {
    this.runtimes = languages.all().map(toRuntime);
  }

  list(): PistonRuntime[] {
    return this.runtimes;
  }

  /**
   * Piston's match: the language named exactly (or one of its aliases) whose
   * version satisfies the semver selector ("*", "3.x", "^3.10", "3.11.2"…);
   * of several, the newest.
   */
  match(language: string, selector: string): PistonRuntime | undefined {
    return this.runtimes
      .filter((runtime) => runtime.language === language || runtime.aliases.includes(language))
      .filter((runtime) => satisfies(runtime.version, selector))
      .sort((a, b) => rcompare(a.version, b.version))[0];
  }
}

function toRuntime(definition: LanguageDefinition): PistonRuntime {
  const language = PISTON_NAMES[definition.id] ?? definition.id;
  const aliases = [...new Set([definition.id, ...definition.aliases])].filter((alias) => alias !== language);
  const runtime = PISTON_PACKAGES[definition.id];
  return { language, version: semverOf(definition.version), aliases, ...(runtime ? { runtime } : {}), definition };
}

/** A semver for any version text: "6.8.0.105" → "6.8.0", "3.11" → "3.11.0"; nothing usable → "0.0.0". */
function semverOf(version: string): string {
  return coerce(version)?.version ?? '0.0.0';
}
