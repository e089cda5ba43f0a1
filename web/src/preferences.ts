/**
 * What the page remembers in this browser (local storage): theme, API key,
 * last language. Storage may be off (private mode): then nothing is kept.
 */
const KEYS = { theme: 'kiln.theme', apiKey: 'kiln.apiKey', language: 'kiln.language' } as const;

export type Preference = keyof typeof KEYS;

export function readPreference(name: Preference): string | null {
  try {
    return localStorage.getItem(KEYS[name]);
  } catch {
    return null;
  }
}

export function writePreference(name: Preference, value: string | null): void {
  try {
    if (value) localStorage.setItem(KEYS[name], value);
    else localStorage.removeItem(KEYS[name]);
  } catch {
    // storage off: the setting lasts for this page only
  }
}
