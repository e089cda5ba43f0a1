import { LanguageDefinition, LanguageSummary, summarizeLanguage } from './language';

/** Looks languages up by id or alias, case-insensitively. */
export class LanguageRegistry {
  private readonly byName = new Map<string, LanguageDefinition>();

  constructor(private readonly languages: readonly LanguageDefinition[]) {
    for (const language of languages) {
      for (const name of [language.id, ...language.aliases]) this.byName.set(name.toLowerCase(), language);
    }
  }

  resolve(name: string): LanguageDefinition | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }

  get(id: string): LanguageDefinition {
    const language = this.resolve(id);
    if (!language) throw new Error(`unknown language ${id}`);
    return language;
  }

  all(): readonly LanguageDefinition[] {
    return this.languages;
  }

  summaries(): LanguageSummary[] {
    return this.languages.map(summarizeLanguage);
  }
}
