import { LanguageDefinition, mainFileName } from '@kiln/tasks';
import { isUnlimitedMemory, isUtf8File, PistonExecution, PistonFile } from './piston-execute.request';

const MiB = 1024 * 1024;

/** The native request (POST /jobs body) a Piston execution maps to. */
export function pistonToNativeJob({ body, runtime }: PistonExecution): object {
  return {
    language: runtime.definition.id,
    files: nativeFiles(body.files, runtime.definition),
    stdin: pistonStdin(body.stdin),
    args: body.args ?? [],
    limits: nativeLimits(body),
    // Piston answers `output`, stdout and stderr as written.
    combinedOutput: true,
  };
}

/**
 * Piston runs the first utf8 file, so it leads; an unnamed file is named as
 * Piston names it (`file<i>.code`), except the main one, which gets the
 * language's main file name so that compilers recognise it.
 */
function nativeFiles(files: PistonFile[], language: LanguageDefinition) {
  const main = files.findIndex(isUtf8File);
  const ordered = [files[main], ...files.filter((_, index) => index !== main)];
  return ordered.map((file, index) => {
    const content = decodeFile(file);
    const name = file.name || (index === 0 ? mainFileName(language, content.toString('utf8')) : `file${index}.code`);
    return { name, content: content.toString('base64'), encoding: 'base64' };
  });
}

/** Piston decodes leniently (Node's Buffer): any content is accepted as base64 or hex. */
function decodeFile(file: PistonFile): Buffer {
  if (file.encoding === 'base64' || file.encoding === 'hex') return Buffer.from(file.content, file.encoding);
  return Buffer.from(file.content, 'utf8');
}

/** Piston ends stdin with a newline when it has none (what is not a string is left for Kiln's validation to refuse). */
function pistonStdin(stdin: unknown): unknown {
  const text = stdin ?? '';
  if (typeof text !== 'string') return text;
  return text.endsWith('\n') ? text : `${text}\n`;
}

function nativeLimits(body: PistonExecution['body']) {
  return {
    timeoutMs: wholeMs(body.run_timeout),
    cpuTimeMs: wholeMs(body.run_cpu_time),
    compileTimeoutMs: wholeMs(body.compile_timeout),
    memoryMb: mebibytes(body.run_memory_limit),
    compileMemoryMb: mebibytes(body.compile_memory_limit),
  };
}

/** 0 or absent: Kiln's default (Piston skips falsy limits too). */
function wholeMs(value: number | undefined): number | undefined {
  return value ? Math.ceil(value) : undefined;
}

function mebibytes(bytes: number | undefined): number | undefined {
  if (!bytes || isUnlimitedMemory('memory_limit', bytes)) return undefined;
  return Math.ceil(bytes / MiB);
}
