import { useKiln } from '../support/kiln-suite';

/** Prints how many arguments arrived, then each in brackets. */
const PRINT_ARGS: Record<string, string> = {
  python: 'import sys\nprint(len(sys.argv) - 1, *[f"[{a}]" for a in sys.argv[1:]])',
  javascript: 'const a = process.argv.slice(2);\nconsole.log([a.length, ...a.map((x) => `[${x}]`)].join(" "));',
  java: 'public class Main { public static void main(String[] a) { StringBuilder s = new StringBuilder().append(a.length); for (String x : a) s.append(" [").append(x).append("]"); System.out.println(s); } }',
  c: '#include <stdio.h>\nint main(int argc, char **argv) { printf("%d", argc - 1); for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]); puts(""); }',
  go: 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Print(len(os.Args) - 1)\n\tfor _, a := range os.Args[1:] {\n\t\tfmt.Printf(" [%s]", a)\n\t}\n\tfmt.Println()\n}',
  rust: 'fn main() { let a: Vec<String> = std::env::args().skip(1).collect(); print!("{}", a.len()); for x in &a { print!(" [{}]", x); } println!(); }',
  csharp: 'using System;\nclass P { static void Main(string[] a) { Console.Write(a.Length); foreach (var x in a) Console.Write(" [" + x + "]"); Console.WriteLine(); } }',
  bash: 'printf "%s" "$#"; for a in "$@"; do printf " [%s]" "$a"; done; echo',
  ruby: 'print ARGV.size; ARGV.each { |a| print " [#{a}]" }; puts',
  php: '<?php\n$a = array_slice($argv, 1); echo count($a); foreach ($a as $x) echo " [$x]"; echo "\\n";',
  perl: 'print scalar(@ARGV); print " [$_]" for @ARGV; print "\\n";',
  lua: 'io.write(#arg); for _, a in ipairs(arg) do io.write(" [" .. a .. "]") end; print()',
  typescript: 'const a: string[] = process.argv.slice(2);\nconsole.log([String(a.length), ...a.map((x) => `[${x}]`)].join(" "));',
};

/** Issue 5, acceptance 5: args reach the program verbatim as argv, never through a shell. */
describe('args', () => {
  const suite = useKiln();

  it.each(Object.keys(PRINT_ARGS))('%s: ["$(id)", "a b"] arrive as exactly two literal arguments', async (language) => {
    const response = await suite.execute({ language, code: PRINT_ARGS[language], args: ['$(id)', 'a b'] });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: '2 [$(id)] [a b]\n' } });
  });
});
