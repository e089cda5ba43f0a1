/**
 * argv templates of the language table. A placeholder that is a whole argv
 * element and names a list (`{sources}`, `{args}`, `{compilerOptions}`) expands to zero or more
 * elements, so user arguments are never split or interpreted by a shell.
 * Scalar placeholders may appear inside an element (`-Xmx{heapMb}m`).
 */
export const LIST_PLACEHOLDERS = ['sources', 'args', 'compilerOptions'] as const;
export const SCALAR_PLACEHOLDERS = ['file', 'stem', 'memoryMb', 'heapMb', 'processes', 'cpus'] as const;

export type ListPlaceholder = (typeof LIST_PLACEHOLDERS)[number];
export type ScalarPlaceholder = (typeof SCALAR_PLACEHOLDERS)[number];

export type TemplateValues = Record<ListPlaceholder, string[]> & Record<ScalarPlaceholder, string>;

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Names used in a template that are not known placeholders (for start-up validation). */
export function unknownPlaceholders(template: readonly string[]): string[] {
  const known = new Set<string>([...LIST_PLACEHOLDERS, ...SCALAR_PLACEHOLDERS]);
  const unknown = new Set<string>();
  for (const element of template) {
    for (const [, name] of element.matchAll(PLACEHOLDER)) if (!known.has(name)) unknown.add(name);
    for (const list of LIST_PLACEHOLDERS) {
      if (element.includes(`{${list}}`) && element !== `{${list}}`) unknown.add(`${list} (must be a whole argument)`);
    }
  }
  return [...unknown];
}

export function expandCommand(template: readonly string[], values: TemplateValues): string[] {
  const argv: string[] = [];
  for (const element of template) {
    const list = LIST_PLACEHOLDERS.find((name) => element === `{${name}}`);
    if (list) argv.push(...values[list]);
    else argv.push(element.replace(PLACEHOLDER, (match, name: string) => scalar(values, name) ?? match));
  }
  return argv;
}

function scalar(values: TemplateValues, name: string): string | undefined {
  return (SCALAR_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as ScalarPlaceholder] : undefined;
}

/** Whether a language's compile step takes the request's compiler options. */
export function takesCompilerOptions(compile: readonly string[] | undefined): boolean {
  return Boolean(compile?.includes('{compilerOptions}'));
}

/** Whether a language's run step passes arguments on (a checker gets its three files as arguments). */
export function takesArgs(run: readonly string[]): boolean {
  return run.includes('{args}');
}
