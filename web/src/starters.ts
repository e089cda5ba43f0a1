import { EXAMPLES } from './examples';

/**
 * A starter program for each language of the default table, shown when a
 * language is picked over untouched code. Each prints STARTER_OUTPUT
 * (test/playground/starters.e2e-spec.ts runs every one through Kiln);
 * Python's first asks for a name and greets it (the playground runs it
 * interactively: the name is typed under the output while it waits).
 */
export const STARTER_OUTPUT = 'Hello, Kiln!\n';

export const STARTERS: Record<string, string> = {
  python: 'name = input("What is your name? ")\nprint(f"Hello, {name}!")\n',
  javascript: 'console.log("Hello, Kiln!");\n',
  typescript: 'const greeting: string = "Hello, Kiln!";\nconsole.log(greeting);\n',
  bash: 'echo "Hello, Kiln!"\n',
  c: '#include <stdio.h>\n\nint main(void) {\n    printf("Hello, Kiln!\\n");\n    return 0;\n}\n',
  cpp: '#include <iostream>\n\nint main() {\n    std::cout << "Hello, Kiln!" << std::endl;\n    return 0;\n}\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello, Kiln!")\n}\n',
  java: 'public class Main {\n    public static void main(String[] args) {\n        System.out.println("Hello, Kiln!");\n    }\n}\n',
  rust: 'fn main() {\n    println!("Hello, Kiln!");\n}\n',
  csharp: 'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("Hello, Kiln!");\n    }\n}\n',
  ruby: 'puts "Hello, Kiln!"\n',
  php: '<?php\necho "Hello, Kiln!\\n";\n',
  perl: 'print "Hello, Kiln!\\n";\n',
  lua: 'print("Hello, Kiln!")\n',
};

/** The starters that read stdin: what to type (the name) for them to print their prompt and STARTER_OUTPUT. */
export const STARTER_INPUT: Record<string, { stdin: string; prompt: string }> = {
  python: { stdin: 'Kiln\n', prompt: 'What is your name? ' },
};

/** The starter of a language by its id or an alias; an operator's own language starts empty. */
export function starterFor(language: { id: string; aliases: string[] }): string {
  for (const name of [language.id, ...language.aliases]) {
    const starter = STARTERS[name.toLowerCase()];
    if (starter !== undefined) return starter;
  }
  return '';
}

/** Code the user has not written: empty, or some language's untouched starter or example. */
export function isStarterOrBlank(code: string): boolean {
  return code.trim() === '' || Object.values(STARTERS).includes(code) || Object.values(EXAMPLES).some((example) => example.program.code === code);
}
