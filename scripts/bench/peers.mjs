// The engines the benchmark drives, behind one shape: `run(program)` sends
// one program with its stdin, checks the answer and resolves to its time in
// ms (or throws, saying what came back); `judgeRequests(submissions)` makes
// the requests that judge submissions against their tests, each a function. A Kiln through its native API, and a Piston
// (PISTON_URL) through its own.
import { randomBytes } from 'node:crypto';

/** A wrong answer: the run counts as failed, with what came back. */
export class WrongAnswer extends Error {
  constructor(status, body) {
    super(`wrong answer (${status}): ${JSON.stringify(body).slice(0, 300)}`);
    this.status = status;
  }
}

/** The programs: each call makes one with a stdin token of its own, and the output it must print. */
export const PROGRAMS = {
  pythonHello: () => withToken('python', 'print("hello " + input())'),
  cHello: (code = C_HELLO) => withToken('c', code),
};
export const C_HELLO = '#include <stdio.h>\nint main(void){ char s[64]; if (scanf("%63s", s) != 1) return 1; printf("hello %s\\n", s); return 0; }\n';

function withToken(language, code) {
  const token = randomBytes(6).toString('hex');
  return { language, code, stdin: token, expected: `hello ${token}\n` };
}

async function post(url, body) {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => null);
  return { status: response.status, body: answer, ms: performance.now() - started };
}

/** Kiln's native API: POST /execute, with `tests` for a judge's submission. */
export function kilnPeer(base) {
  return {
    name: 'Kiln',
    async run({ language, code, stdin, expected }) {
      const { status, body, ms } = await post(`${base}/execute`, { language, code, stdin });
      if (status !== 200 || body?.verdict !== 'OK' || body.run?.stdout !== expected) throw new WrongAnswer(status, body);
      return ms;
    },
    /** A submission is one request: compiled once, run against every test. */
    judgeRequests(submissions) {
      return submissions.map(({ language, code, tests }) => async () => {
        const { status, body } = await post(`${base}/execute`, { language, code, tests: tests.map(({ stdin, expected }) => ({ stdin, expected })) });
        const allPassed = body?.tests?.length === tests.length && body.tests.every((test) => test.verdict === 'OK');
        if (status !== 200 || body?.verdict !== 'OK' || !allPassed) throw new WrongAnswer(status, body);
      });
    },
  };
}

/** Piston's language names and main files for Kiln's ids. */
const PISTON_LANGUAGES = { python: ['python', 'main.py'], c: ['c', 'main.c'], cpp: ['c++', 'main.cpp'] };

/** Piston v2: POST /api/v2/execute; it has no tests, so a judge sends one request per test (each compiles). */
export function pistonPeer(base) {
  const run = async ({ language, code, stdin, expected }) => {
    const [name, file] = PISTON_LANGUAGES[language];
    const { status, body, ms } = await post(`${base}/api/v2/execute`, { language: name, version: '*', files: [{ name: file, content: code }], stdin });
    const compiled = !body?.compile || body.compile.code === 0;
    if (status !== 200 || !compiled || body?.run?.code !== 0 || body.run.stdout.trim() !== expected.trim()) throw new WrongAnswer(status, body);
    return ms;
  };
  return {
    name: 'Piston',
    run,
    /** Piston has no tests: every test is a request of its own (each compiles). */
    judgeRequests(submissions) {
      return submissions.flatMap(({ language, code, tests }) => tests.map((test) => () => run({ language, code, ...test })));
    },
  };
}

/**
 * A judge's workload: `count` different submissions of a C++ A+B program
 * (each its own source, so none is served by a compile cache) with `testsEach`
 * tests each.
 */
export function judgeSubmissions(count, testsEach) {
  const run = randomBytes(4).toString('hex');
  const number = () => Math.floor(Math.random() * 2_000_000_000) - 1_000_000_000;
  return Array.from({ length: count }, (_, index) => ({
    language: 'cpp',
    code: `// submission ${index} of bench run ${run}\n#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }\n`,
    tests: Array.from({ length: testsEach }, () => {
      const [a, b] = [number(), number()];
      return { stdin: `${a} ${b}\n`, expected: `${a + b}\n` };
    }),
  }));
}
