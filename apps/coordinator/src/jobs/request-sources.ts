import { KilnConfig } from '@kiln/config';
import { LanguageDefinition, mainFileName, SourceFile } from '@kiln/tasks';
import { FieldError } from '../http/field-error';
import { SourceFileDto } from './dto/create-job.dto';
import { decodeContent } from './request-content';

/** A program's sources as a request gives them: `code`, `files` or both (the job's own, or its checker's). */
export interface RequestSources {
  code?: string;
  files?: SourceFileDto[];
}

/**
 * The program's files: `code` becomes the main file under the language's
 * file name, `files` follow (or lead, without code). Checks what the
 * configuration bounds (count, names, total size), each problem under its
 * field; `prefix` names where the sources are in the request (`checker.`).
 */
export function sourcesOf(
  request: RequestSources,
  language: LanguageDefinition | undefined,
  jobs: KilnConfig['jobs'],
  problems: FieldError[],
  prefix = '',
): SourceFile[] {
  const files = (request.files ?? []).map((file, index) => ({
    name: file.name,
    content: decodeContent(file.content, file.encoding, `${prefix}files[${index}].content`, problems),
  }));
  if (request.code !== undefined) {
    files.unshift({ name: language ? mainFileName(language, request.code) : 'main', content: Buffer.from(request.code, 'utf8') });
  }
  if (files.length === 0) problems.push({ field: `${prefix}code`, message: 'code or files is required' });
  const seen = new Set<string>();
  files.forEach((file, index) => {
    const field = `${prefix}${fileField(request, index)}`;
    if (seen.has(file.name)) problems.push({ field, message: `duplicate file name "${file.name}"` });
    seen.add(file.name);
    if (file.name.length > jobs.maxFileNameLength) problems.push({ field, message: `must be at most ${jobs.maxFileNameLength} characters` });
  });
  if (files.length > jobs.maxFiles) problems.push({ field: `${prefix}files`, message: `at most ${jobs.maxFiles} files` });
  const sourceBytes = files.reduce((sum, f) => sum + f.content.length, 0);
  if (sourceBytes > jobs.maxSourceBytes) {
    problems.push({ field: `${prefix}files`, message: `sources total ${sourceBytes} bytes; at most ${jobs.maxSourceBytes}` });
  }
  return files.map((file) => ({ name: file.name, contentBase64: file.content.toString('base64') }));
}

/** The request field that holds the index-th file (code is file 0 when present). */
function fileField(request: RequestSources, index: number): string {
  if (request.code !== undefined) return index === 0 ? 'code' : `files[${index - 1}].name`;
  return `files[${index}].name`;
}
