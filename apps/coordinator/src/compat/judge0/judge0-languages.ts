import { Injectable } from '@nestjs/common';
import { LanguageDefinition, LanguageRegistry } from '@kiln/tasks';

/** A Kiln language under its Judge0 id. */
export interface Judge0Language {
  id: number;
  /** Judge0's style: "Python (3.11.2)", "C (GCC 12.2.0)". */
  name: string;
  definition: LanguageDefinition;
}

/**
 * Judge0 CE 1.13's ids (db/languages/active.rb) of the languages Kiln has:
 * the first is listed, the others are older versions or another compiler of
 * the same language, accepted so that clients with hard-coded ids keep working.
 * (Python 2, id 70, is another language: refused.)
 */
export const JUDGE0_IDS: Readonly<Record<string, readonly number[]>> = {
  bash: [46],
  c: [50, 48, 49, 75],
  csharp: [51],
  cpp: [54, 52, 53, 76],
  go: [60],
  java: [62],
  javascript: [63],
  lua: [64],
  php: [68],
  python: [71],
  ruby: [72],
  rust: [73],
  typescript: [74],
  perl: [85],
};

/** Languages Judge0 does not have get ids from this range, which Judge0's own ids (1–~100) never reach. */
export const KILN_ONLY_IDS = { first: 1000, count: 9000 };

/** The Judge0 id table of this server's languages (docs/compat-judge0.md). */
@Injectable()
export class Judge0Languages {
  private readonly listed: Judge0Language[];
  private readonly byId = new Map<number, Judge0Language>();

  constructor(languages: LanguageRegistry) {
    this.listed = assignIds(languages.all());
    for (const language of this.listed) {
      for (const id of [language.id, ...(JUDGE0_IDS[language.definition.id] ?? [])]) this.byId.set(id, language);
    }
  }

  /** GET /languages: one entry per Kiln language, by id. */
  list(): Judge0Language[] {
    return this.listed;
  }

  find(id: number): Judge0Language | undefined {
    return this.byId.get(id);
  }
}

/**
 * Judge0's id where the language exists there; otherwise a stable id from a
 * hash of the Kiln id (so adding a language never renumbers another), moved
 * to the next free one on a collision, in the order of the Kiln ids.
 */
function assignIds(definitions: readonly LanguageDefinition[]): Judge0Language[] {
  const taken = new Set(Object.values(JUDGE0_IDS).flat());
  const assigned = [...definitions]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((definition) => {
      const known = JUDGE0_IDS[definition.id]?.[0];
      const id = known ?? freeId(definition.id, taken);
      taken.add(id);
      return { id, name: judge0Name(definition), definition };
    });
  return assigned.sort((a, b) => a.id - b.id);
}

function freeId(kilnId: string, taken: Set<number>): number {
  let offset = fnv1a(kilnId) % KILN_ONLY_IDS.count;
  while (taken.has(KILN_ONLY_IDS.first + offset)) offset = (offset + 1) % KILN_ONLY_IDS.count;
  return KILN_ONLY_IDS.first + offset;
}

/** FNV-1a, 32 bits: a small, stable hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** "C (GCC)" + "12.2.0" → "C (GCC 12.2.0)"; "Python" + "3.11.2" → "Python (3.11.2)". */
export function judge0Name(definition: LanguageDefinition): string {
  const { name, version } = definition;
  return name.endsWith(')') ? `${name.slice(0, -1)} ${version})` : `${name} (${version})`;
}
