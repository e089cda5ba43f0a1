import type { LanguageSummary } from '@kiln/client';

/** The language <select>, filled from GET /languages (so an operator's own languages appear too). */
export class LanguagePicker {
  private languages: LanguageSummary[] = [];

  constructor(
    private readonly select: HTMLSelectElement,
    onChange: (language: LanguageSummary) => void,
  ) {
    select.addEventListener('change', () => onChange(this.selected()!));
  }

  fill(languages: LanguageSummary[]): void {
    this.languages = languages;
    this.select.replaceChildren(
      ...languages.map((language) => new Option(`${language.name} (${language.version})`, language.id)),
    );
    this.select.disabled = languages.length === 0;
  }

  /** Selects a language by id or alias; false if this server has no such language. */
  choose(name: string): boolean {
    const language = this.find(name);
    if (language) this.select.value = language.id;
    return Boolean(language);
  }

  find(name: string): LanguageSummary | undefined {
    const wanted = name.toLowerCase();
    return this.languages.find((l) => l.id.toLowerCase() === wanted || l.aliases.some((a) => a.toLowerCase() === wanted));
  }

  selected(): LanguageSummary | undefined {
    return this.languages.find((l) => l.id === this.select.value);
  }
}
