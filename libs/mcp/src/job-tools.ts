import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { JobView, KilnClient, OutputFile, StageResult, TestResult } from '@kiln/client';
import { imagesOf, imageTypeOf, outputBlock, toolResult } from './tool-results';

const fileInput = z.object({
  name: z.string().describe('relative path, e.g. util.py or data/input.csv'),
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']).optional().describe('base64 for binary content (default utf8)'),
});

const stage = z.looseObject({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  verdict: z.string().nullable(),
  files: z.array(z.looseObject({ name: z.string(), size: z.number(), encoding: z.literal('base64'), content: z.string() })).optional(),
});

/** run_code and list_languages: a job of the native API (POST /execute) and GET /languages. */
export function registerJobTools(server: McpServer, client: KilnClient): void {
  server.registerTool(
    'run_code',
    {
      title: 'Run code',
      description:
        'Runs a program in a fresh Kiln sandbox (no network, limits on time, memory and output) and answers its output and verdict. ' +
        'outputFiles returns files the program writes (e.g. ["*.png"] for a saved matplotlib plot); pictures come back as images.',
      inputSchema: {
        language: z.string().min(1).describe('a language id or alias from list_languages: python, javascript, c, ...'),
        code: z.string().describe('the program (its main file)'),
        stdin: z.string().optional(),
        args: z.array(z.string()).optional().describe('command-line arguments, passed verbatim (no shell)'),
        files: z.array(fileInput).optional().describe('more files beside the program'),
        outputFiles: z.array(z.string()).optional().describe('patterns of workspace files to return: *.png, out/**, **/*.csv'),
        timeoutMs: z.number().int().positive().optional().describe('wall-clock limit of the run, ms'),
      },
      outputSchema: {
        id: z.string(),
        state: z.string(),
        verdict: z.string().nullable(),
        language: z.string(),
        compile: stage.nullable(),
        run: stage.nullable(),
        tests: z.array(z.looseObject({})),
        error: z.string().optional(),
      },
      annotations: { openWorldHint: false },
    },
    async ({ language, code, stdin, args, files, outputFiles, timeoutMs }) => {
      const job = await client.execute({
        language,
        code,
        ...(stdin !== undefined ? { stdin } : {}),
        ...(args ? { args } : {}),
        ...(files ? { files } : {}),
        ...(outputFiles ? { outputFiles } : {}),
        ...(timeoutMs !== undefined ? { limits: { timeoutMs } } : {}),
      });
      const returned = [job.run, ...job.tests].flatMap((stage) => (stage && 'files' in stage ? (stage.files ?? []) : []));
      return toolResult(jobText(job), jobStructure(job), imagesOf(returned));
    },
  );

  server.registerTool(
    'list_languages',
    {
      title: 'List languages',
      description: 'The languages this Kiln runs: the id to give run_code and create_session, name, version, aliases, whether it compiles.',
      inputSchema: {},
      outputSchema: {
        languages: z.array(z.looseObject({ id: z.string(), name: z.string(), version: z.string(), aliases: z.array(z.string()), compiled: z.boolean() })),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      const languages = await client.languages();
      const lines = languages.map((l) => {
        const packages = Object.entries(l.packages ?? {}).map(([name, version]) => `${name} ${version}`);
        return `${l.id}: ${l.name} ${l.version}${l.compiled ? ', compiled' : ''}${l.aliases.length ? ` (also ${l.aliases.join(', ')})` : ''}${packages.length ? `; with ${packages.join(', ')}` : ''}`;
      });
      return toolResult(lines.join('\n'), { languages });
    },
  );
}

/** The job as the API answered it, without what an assistant has no use for (tasks, times). */
function jobStructure(job: JobView): Record<string, unknown> {
  const { id, state, verdict, language, compile, run, tests, error } = job;
  return { id, state, verdict, language, compile, run, tests, ...(error ? { error } : {}) };
}

/** What an assistant reads: the verdict, the compiler's complaints, the output, the files. */
function jobText(job: JobView): string {
  const parts = [`${job.state} ${job.verdict ?? ''}`.trim() + (job.error ? `: ${job.error}` : '')];
  if (job.compile && job.compile.verdict !== 'OK') parts.push(outputBlock('compiler output', job.compile.stdout + job.compile.stderr));
  if (job.run) parts.push(stageText(job.run));
  for (const test of job.tests) parts.push(testText(test));
  return parts.filter(Boolean).join('\n');
}

function stageText(stage: StageResult): string {
  const ending = stage.signal ? `signal ${stage.signal}` : `exit code ${stage.exitCode}`;
  return [
    `run: ${stage.verdict}, ${ending}, ${stage.wallTimeMs} ms${stage.truncated ? ', output truncated' : ''}`,
    outputBlock('stdout', stage.stdout),
    outputBlock('stderr', stage.stderr),
    filesText(stage.files, stage.filesTruncated),
  ]
    .filter(Boolean)
    .join('\n');
}

function testText(test: TestResult | { index: number; verdict: null }): string {
  if (test.verdict === null) return `test ${test.index}: not run`;
  return `test ${test.index}: ${(test as TestResult).verdict}\n${stageText(test as TestResult)}`;
}

function filesText(files: OutputFile[] | undefined, truncated: boolean | undefined): string {
  if (!files) return '';
  const list = files.map((file) => `${file.name} (${file.size} bytes${imageTypeOf(file.name) ? ', shown as an image' : ''})`);
  const more = truncated ? ' (more matched, but did not fit the output budget)' : '';
  return `files: ${list.length ? list.join(', ') : 'none'}${more}`;
}
