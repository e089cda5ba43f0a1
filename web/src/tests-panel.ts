import type { ApiTestCase } from '@kiln/client';
import { element } from './dom';

interface TestRow {
  item: HTMLLIElement;
  stdin: HTMLTextAreaElement;
  expected: HTMLTextAreaElement;
}

/**
 * Test-case mode: a list of tests, each with its stdin and expected output.
 * When on, the job-wide stdin box is hidden (the API refuses both at once).
 */
export class TestsPanel {
  private rows: TestRow[] = [];
  private nextId = 0;

  constructor(
    private readonly toggle: HTMLInputElement,
    private readonly list: HTMLOListElement,
    addButton: HTMLButtonElement,
    private readonly stdinField: HTMLElement,
    private readonly testsField: HTMLElement,
  ) {
    toggle.addEventListener('change', () => this.setEnabled(toggle.checked));
    addButton.addEventListener('click', () => this.addRow().stdin.focus());
  }

  get enabled(): boolean {
    return this.toggle.checked;
  }

  setEnabled(on: boolean): void {
    this.toggle.checked = on;
    this.testsField.hidden = !on;
    this.stdinField.hidden = on;
    if (on && this.rows.length === 0) this.addRow();
  }

  /** The tests as the API takes them; an empty expected box means "passes on a clean exit". */
  tests(): ApiTestCase[] {
    return this.rows.map(({ stdin, expected }) => ({ stdin: stdin.value, ...(expected.value !== '' ? { expected: expected.value } : {}) }));
  }

  load(tests: ApiTestCase[] | undefined): void {
    for (const row of this.rows) row.item.remove();
    this.rows = [];
    for (const test of tests ?? []) this.addRow(test);
    this.setEnabled(Boolean(tests?.length));
  }

  private addRow(test: ApiTestCase = {}): TestRow {
    const id = this.nextId++;
    const item = element('li', '', 'test-case');
    const heading = element('h3');
    const stdin = textArea(`test-${id}-stdin`, test.stdin ?? '');
    const expected = textArea(`test-${id}-expected`, test.expected ?? '');
    expected.placeholder = 'empty: passes on a clean exit';
    const stdinLabel = label(stdin.id);
    const expectedLabel = label(expected.id);
    const remove = element('button', '', 'remove');
    remove.type = 'button';
    const row: TestRow = { item, stdin, expected };
    remove.addEventListener('click', () => this.removeRow(row));
    item.append(heading, field(stdinLabel, stdin), field(expectedLabel, expected), remove);
    this.list.append(item);
    this.rows.push(row);
    this.renumber();
    return row;
  }

  private removeRow(row: TestRow): void {
    const index = this.rows.indexOf(row);
    row.item.remove();
    this.rows.splice(index, 1);
    this.renumber();
    const next = this.rows[Math.min(index, this.rows.length - 1)];
    (next?.stdin ?? this.toggle).focus();
  }

  /** Labels say the test's number, so each control is named on its own ("Test 2 input"). */
  private renumber(): void {
    this.rows.forEach((row, index) => {
      const n = index + 1;
      row.item.querySelector('h3')!.textContent = `Test ${n}`;
      const [stdinLabel, expectedLabel] = Array.from(row.item.querySelectorAll('label'));
      stdinLabel.textContent = `Test ${n} input`;
      expectedLabel.textContent = `Test ${n} expected output`;
      row.item.querySelector<HTMLButtonElement>('button.remove')!.textContent = `Remove test ${n}`;
    });
  }
}

function textArea(id: string, value: string): HTMLTextAreaElement {
  const area = element('textarea');
  area.id = id;
  area.rows = 2;
  area.spellcheck = false;
  area.value = value;
  return area;
}

function label(forId: string): HTMLLabelElement {
  const created = element('label');
  created.htmlFor = forId;
  return created;
}

function field(...children: HTMLElement[]): HTMLDivElement {
  const wrapper = element('div', '', 'field');
  wrapper.append(...children);
  return wrapper;
}
