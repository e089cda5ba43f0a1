import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { KilnClient, SessionRunResult } from '@kiln/client';
import { imageTypeOf, outputBlock, toolResult } from './tool-results';

const sessionId = z.string().min(1).describe('the id create_session answered');
const filePath = z.string().min(1).describe('a path relative to the session workspace, e.g. data.csv or out/plot.png');
const encoding = z.enum(['utf8', 'base64']);
const session = { id: z.string(), language: z.string(), state: z.string(), expiresAt: z.string() };
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The session tools: a sandbox held across calls (files and, in a context,
 * interpreter state stay), over the Sessions API (POST /sessions,
 * /sessions/:id/run, /sessions/:id/files/<path>, DELETE /sessions/:id).
 */
export function registerSessionTools(server: McpServer, client: KilnClient): void {
  server.registerTool(
    'create_session',
    {
      title: 'Create a session',
      description:
        'Starts a sandbox that stays for later calls (session_run, write_file, read_file, list_files) until close_session or its idle timeout: ' +
        'files written by one run are there for the next. Same rules as run_code: no network, limits.',
      inputSchema: {
        language: z.string().min(1).describe('a language id from list_languages'),
        files: z
          .array(z.object({ name: z.string(), content: z.string(), encoding: encoding.optional() }))
          .optional()
          .describe('files the workspace starts with'),
        idleTimeoutMs: z.number().int().positive().optional().describe('the session ends after this long without a call'),
        limits: z.record(z.string(), z.number()).optional().describe('limits of its runs: timeoutMs, memoryMb, ...'),
      },
      outputSchema: session,
      annotations: { openWorldHint: false },
    },
    async (request) => {
      const created = await client.createSession(request);
      return toolResult(`session ${created.id} (${created.language}) is ${created.state}; it expires at ${created.expiresAt} unless used`, created);
    },
  );

  server.registerTool(
    'session_run',
    {
      title: 'Run in a session',
      description:
        'Runs code (as the session language program; with `context`, in a long-lived interpreter of that name, so variables and imports stay, ' +
        'and the value of a final expression comes back as `result`) or a command (an argv, no shell) in the session workspace.',
      inputSchema: {
        sessionId,
        code: z.string().optional(),
        command: z.array(z.string()).min(1).optional().describe('e.g. ["ls", "-l"]'),
        context: z.string().min(1).optional().describe('Python and JavaScript: the name of a long-lived interpreter'),
        stdin: z.string().optional(),
        args: z.array(z.string()).optional(),
        timeoutMs: z.number().int().positive().optional(),
      },
      outputSchema: {
        stdout: z.string(),
        stderr: z.string(),
        exitCode: z.number().nullable(),
        signal: z.string().nullable(),
        verdict: z.string(),
        result: z.unknown().optional(),
      },
      annotations: { openWorldHint: false },
    },
    async ({ sessionId: id, ...run }) => {
      if ((run.code === undefined) === (run.command === undefined)) throw new Error('give either code or command (one of them)');
      const result = await client.runInSession(id, run);
      return toolResult(runText(result), result);
    },
  );

  server.registerTool(
    'write_file',
    {
      title: 'Write a file',
      description: 'Writes a file into the session workspace (replacing it if it exists).',
      inputSchema: { sessionId, path: filePath, content: z.string(), encoding: encoding.optional().describe('base64 for binary content (default utf8)') },
      outputSchema: { path: z.string(), size: z.number() },
      annotations: { openWorldHint: false },
    },
    async ({ sessionId: id, path, content, encoding: given }) => {
      const bytes = Buffer.from(content, given === 'base64' ? 'base64' : 'utf8');
      await client.writeSessionFile(id, path, bytes);
      return toolResult(`wrote ${path} (${bytes.length} bytes)`, { path, size: bytes.length });
    },
  );

  server.registerTool(
    'read_file',
    {
      title: 'Read a file',
      description: 'Reads a file of the session workspace: text as it is, other bytes in base64; pictures are shown as images.',
      inputSchema: { sessionId, path: filePath, encoding: encoding.optional().describe('default: utf8 if the file is valid UTF-8, else base64') },
      outputSchema: { path: z.string(), size: z.number(), contentType: z.string(), encoding, content: z.string() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ sessionId: id, path, encoding: wanted }) => {
      const { bytes, contentType } = await client.readSessionFile(id, path);
      const text = wanted === 'base64' ? null : utf8Text(bytes, wanted === 'utf8');
      const content = text ?? Buffer.from(bytes).toString('base64');
      const structured = { path, size: bytes.length, contentType, encoding: text === null ? ('base64' as const) : ('utf8' as const), content };
      const image = imageTypeOf(path);
      const images = image ? [{ data: Buffer.from(bytes).toString('base64'), mimeType: image }] : [];
      const shown = text ?? (image ? `${path}: ${bytes.length} bytes, shown as an image` : `${path}: ${bytes.length} bytes of binary data (base64 in the structured result)`);
      return toolResult(shown, structured, images);
    },
  );

  server.registerTool(
    'list_files',
    {
      title: 'List files',
      description: 'Lists a directory of the session workspace (default: its top): name, size, type, modified.',
      inputSchema: { sessionId, path: z.string().optional().describe('a directory relative to the workspace') },
      outputSchema: { path: z.string(), entries: z.array(z.looseObject({ name: z.string() })), truncated: z.boolean() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ sessionId: id, path = '' }) => {
      const listing = await client.listSessionFiles(id, path);
      const entries = entriesOf(listing);
      const truncated = (listing as { truncated?: unknown } | null)?.truncated === true;
      const lines = entries.map((entry) => [entry.name, entry.type, entry.size].filter((part) => part !== undefined).join('  '));
      const text = lines.length ? lines.join('\n') : `${path || '.'} is empty`;
      return toolResult(truncated ? `${text}\n(more entries than listed)` : text, { path, entries, truncated });
    },
  );

  server.registerTool(
    'close_session',
    {
      title: 'Close a session',
      description: 'Ends the session: its sandbox and every file in it are gone at once.',
      inputSchema: { sessionId },
      outputSchema: { id: z.string(), closed: z.boolean() },
      annotations: { destructiveHint: true, openWorldHint: false },
    },
    async ({ sessionId: id }) => {
      await client.closeSession(id);
      return toolResult(`session ${id} closed`, { id, closed: true });
    },
  );
}

/** The verdict, the output, a context's value or exception, and whether its interpreter started afresh. */
function runText(run: SessionRunResult): string {
  const ending = run.signal ? `signal ${run.signal}` : `exit code ${run.exitCode}`;
  const { compile, context, error } = run;
  return [
    `${run.verdict}, ${ending}`,
    compile && compile.verdict !== 'OK' ? outputBlock('compiler output', compile.stdout + compile.stderr) : '',
    outputBlock('stdout', run.stdout),
    outputBlock('stderr', run.stderr),
    run.result === undefined || run.result === null ? '' : `result: ${run.result}`,
    error ? `raised ${error.name}: ${error.value}` : '',
    context?.restarted ? `context ${context.name} was started afresh${context.reason ? ` (${context.reason})` : ''}: what it held is gone` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Text when the bytes are UTF-8 (or the caller insists, invalid bytes replaced), else null. */
function utf8Text(bytes: Uint8Array, insist: boolean): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return insist ? Buffer.from(bytes).toString('utf8') : null;
  }
}

interface Entry {
  name: string;
  [field: string]: unknown;
}

/** A listing's entries, whether the API answers them as a list or inside an object (`files` or `entries`). */
function entriesOf(listing: unknown): Entry[] {
  const list = Array.isArray(listing) ? listing : ((listing as { files?: unknown; entries?: unknown } | null)?.files ?? (listing as { entries?: unknown } | null)?.entries);
  return Array.isArray(list) ? (list.filter((entry) => typeof entry?.name === 'string') as Entry[]) : [];
}
