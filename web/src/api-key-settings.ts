import type { KilnClient } from '@kiln/client';
import { readPreference, writePreference } from './preferences';

/** The API key box: kept in local storage and sent with every call; opened when the server asks for a key. */
export class ApiKeySettings {
  constructor(
    private readonly client: KilnClient,
    private readonly details: HTMLDetailsElement,
    form: HTMLFormElement,
    private readonly input: HTMLInputElement,
    onSaved: () => void,
  ) {
    client.key = readPreference('apiKey');
    input.value = client.key ?? '';
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      client.key = input.value.trim() || null;
      writePreference('apiKey', client.key);
      details.open = false;
      onSaved();
    });
  }

  ask(): void {
    this.details.open = true;
    this.input.focus();
  }
}
