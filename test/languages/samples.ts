/**
 * One small program of each kind per language: what the acceptance of issue 5
 * asks every language to show (hello world, stdin echo, a compile error with
 * the compiler's message, a runtime error with its exit code).
 */
export interface LanguageSamples {
  hello: string;
  /** Copies stdin to stdout unchanged. */
  echo: string;
  /** Compiled languages only: code the compiler refuses, and what its message says. */
  compileError?: { code: string; message: RegExp };
  runtimeError: { code: string; exitCode: number | null; signal?: string; stderr: RegExp };
}

export const SAMPLES: Record<string, LanguageSamples> = {
  python: {
    hello: 'print("Hello, World!")',
    echo: 'import sys\nsys.stdout.write(sys.stdin.read())',
    runtimeError: { code: 'print(1 / 0)', exitCode: 1, stderr: /ZeroDivisionError: division by zero/ },
  },
  javascript: {
    hello: 'console.log("Hello, World!");',
    echo: 'process.stdout.write(require("fs").readFileSync(0));',
    runtimeError: { code: 'const o = null;\nconsole.log(o.x);', exitCode: 1, stderr: /TypeError: Cannot read properties of null/ },
  },
  typescript: {
    hello: 'const greeting: string = "Hello, World!";\nconsole.log(greeting);',
    echo: 'import * as fs from "fs";\nconst input: Buffer = fs.readFileSync(0);\nprocess.stdout.write(input);',
    compileError: { code: 'const n: number = "five";\nconsole.log(n);', message: /main\.ts\(1,7\): error TS2322: Type 'string' is not assignable to type 'number'/ },
    runtimeError: { code: 'function fail(): never { throw new Error("boom"); }\nfail();', exitCode: 1, stderr: /Error: boom/ },
  },
  bash: {
    hello: 'echo "Hello, World!"',
    echo: 'cat',
    runtimeError: { code: 'echo "no such thing" >&2\nexit 3', exitCode: 3, stderr: /no such thing/ },
  },
  c: {
    hello: '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }',
    echo: '#include <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); return 0; }',
    compileError: { code: 'int main(void) { return 0 }', message: /main\.c:1:\d+: error: expected .;. before/ },
    runtimeError: { code: '#include <stdio.h>\nint main(void) { fprintf(stderr, "bad input\\n"); return 3; }', exitCode: 3, stderr: /bad input/ },
  },
  cpp: {
    hello: '#include <iostream>\nint main() { std::cout << "Hello, World!" << std::endl; }',
    echo: '#include <iostream>\nint main() { std::cout << std::cin.rdbuf(); }',
    compileError: { code: 'int main() { return undeclared; }', message: /main\.cpp:1:\d+: error: .undeclared. was not declared in this scope/ },
    runtimeError: {
      code: '#include <stdexcept>\nint main() { throw std::runtime_error("boom"); }',
      exitCode: null,
      signal: 'SIGABRT',
      stderr: /terminate called after throwing an instance of 'std::runtime_error'\s+what\(\):\s+boom/,
    },
  },
  go: {
    hello: 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("Hello, World!") }',
    echo: 'package main\n\nimport (\n\t"io"\n\t"os"\n)\n\nfunc main() { io.Copy(os.Stdout, os.Stdin) }',
    compileError: { code: 'package main\n\nfunc main() { x := 1 }', message: /main\.go:3:\d+: x declared but not used/ },
    runtimeError: { code: 'package main\n\nfunc main() { panic("boom") }', exitCode: 2, stderr: /panic: boom/ },
  },
  java: {
    hello: 'public class Main {\n  public static void main(String[] args) { System.out.println("Hello, World!"); }\n}',
    echo:
      'public class Main {\n  public static void main(String[] args) throws Exception { System.in.transferTo(System.out); System.out.flush(); }\n}',
    compileError: {
      code: 'public class Main {\n  public static void main(String[] args) { int n = "five"; }\n}',
      message: /Main\.java:2: error: incompatible types: String cannot be converted to int/,
    },
    runtimeError: {
      code: 'public class Main {\n  public static void main(String[] args) { throw new IllegalStateException("boom"); }\n}',
      exitCode: 1,
      stderr: /Exception in thread "main" java\.lang\.IllegalStateException: boom/,
    },
  },
  rust: {
    hello: 'fn main() { println!("Hello, World!"); }',
    echo: 'use std::io::{self, Read, Write};\nfn main() { let mut b = Vec::new(); io::stdin().read_to_end(&mut b).unwrap(); io::stdout().write_all(&b).unwrap(); }',
    compileError: { code: 'fn main() { let n: i32 = "five"; }', message: /error\[E0308\]: mismatched types/ },
    runtimeError: { code: 'fn main() { panic!("boom"); }', exitCode: 101, stderr: /panicked at 'boom'/ },
  },
  csharp: {
    hello: 'using System;\nclass Program { static void Main() { Console.WriteLine("Hello, World!"); } }',
    echo: 'using System;\nclass Program { static void Main() { Console.OpenStandardInput().CopyTo(Console.OpenStandardOutput()); } }',
    compileError: { code: 'class Program { static void Main() { int n = "five"; } }', message: /main\.cs\(1,\d+\): error CS0029: Cannot implicitly convert type `string' to `int'/ },
    runtimeError: {
      code: 'using System;\nclass Program { static void Main() { throw new InvalidOperationException("boom"); } }',
      exitCode: 1,
      stderr: /Unhandled Exception:\s+System\.InvalidOperationException: boom/,
    },
  },
  ruby: {
    hello: 'puts "Hello, World!"',
    echo: '$stdout.write($stdin.read)',
    runtimeError: { code: 'raise ArgumentError, "boom"', exitCode: 1, stderr: /main\.rb:1:in `<main>': boom \(ArgumentError\)/ },
  },
  php: {
    hello: '<?php\necho "Hello, World!\\n";',
    echo: '<?php\nfwrite(STDOUT, stream_get_contents(STDIN));',
    runtimeError: { code: '<?php\nthrow new RuntimeException("boom");', exitCode: 255, stderr: /Uncaught RuntimeException: boom/ },
  },
  perl: {
    hello: 'print "Hello, World!\\n";',
    echo: 'binmode STDIN; binmode STDOUT; print while <STDIN>;',
    runtimeError: { code: 'die "boom\\n";', exitCode: 255, stderr: /^boom$/m },
  },
  lua: {
    hello: 'print("Hello, World!")',
    echo: 'io.write(io.read("a"))',
    runtimeError: { code: 'error("boom")', exitCode: 1, stderr: /main\.lua:1: boom/ },
  },
};
