import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import {
  effectivePolicy,
  hasContexts,
  LanguageDefinition,
  LanguageRegistry,
  LIMIT_MINIMA,
  resolveLimits,
  SESSION_LIMIT_KEYS,
  SessionLimits,
  SessionRunRequest,
  SourceFile,
} from '@kiln/tasks';
import { SAFE_FILE_NAME } from '../jobs/dto/create-job.dto';
import { decodeContent } from '../jobs/request-content';
import { FieldError, InvalidRequestException } from '../http/field-error';
import { CreateSessionDto } from './dto/create-session.dto';
import { SessionRunDto } from './dto/session-run.dto';

export interface SessionRequest {
  language: LanguageDefinition;
  limits: SessionLimits;
  idleTimeoutMs: number;
  files: SourceFile[];
}

const PATH_MESSAGE = 'must be a relative path of letters, digits, "_", "-", "." (no "..", no leading "/" or "-")';

/**
 * The checks of session requests that depend on configuration (the DTOs
 * hold the static ones), each problem naming its field: a job's rules for
 * language, limits (within the configured maxima) and files, and the
 * session's own for its idle time, runs and file paths.
 */
@Injectable()
export class SessionRequestFactory {
  constructor(
    private readonly config: KilnConfig,
    private readonly languages: LanguageRegistry,
  ) {}

  create(dto: CreateSessionDto): SessionRequest {
    const problems: FieldError[] = [];
    const language = this.languages.resolve(dto.language);
    if (!language) problems.push({ field: 'language', message: `unknown language "${dto.language}"; GET /languages lists them` });
    const resolved = resolveLimits(dto.limits, this.config.limits, language?.limits);
    problems.push(...resolved.violations);
    const { idleTimeoutMs, maxIdleTimeoutMs } = this.config.coordinator.sessions;
    const idle = dto.idleTimeoutMs ?? idleTimeoutMs;
    if (idle < 1000 || idle > maxIdleTimeoutMs) {
      problems.push({ field: 'idleTimeoutMs', message: `must be 1000 to ${maxIdleTimeoutMs} ms (coordinator.sessions.maxIdleTimeoutMs)` });
    }
    const files = this.files(dto, problems);
    if (problems.length || !language) throw new InvalidRequestException(problems);
    const limits = Object.fromEntries(SESSION_LIMIT_KEYS.filter((key) => resolved.limits[key] !== undefined).map((key) => [key, resolved.limits[key]]));
    return { language, limits: limits as SessionLimits, idleTimeoutMs: idle, files };
  }

  run(dto: SessionRunDto, language: LanguageDefinition, limits: SessionLimits): SessionRunRequest {
    const problems: FieldError[] = [];
    const jobs = this.config.jobs;
    if (dto.code === undefined && dto.command === undefined) problems.push({ field: 'code', message: 'code or command is required' });
    if (dto.code !== undefined && dto.command !== undefined) problems.push({ field: 'command', message: 'give code or command, not both' });
    if (dto.code !== undefined && Buffer.byteLength(dto.code) > jobs.maxSourceBytes) {
      problems.push({ field: 'code', message: `at most ${jobs.maxSourceBytes} bytes` });
    }
    if (dto.command) this.checkWords(dto.command, 'command', jobs.maxArgs + 1, problems);
    if (dto.command?.length === 0) problems.push({ field: 'command', message: 'must name a program' });
    if (dto.command && dto.args?.length) problems.push({ field: 'args', message: 'args go with code; a command carries its own arguments' });
    this.checkWords(dto.args ?? [], 'args', jobs.maxArgs, problems);
    this.checkContext(dto, language, problems);
    const stdin = decodeContent(dto.stdin ?? '', dto.stdinEncoding, 'stdin', problems);
    if (stdin.length > jobs.maxStdinBytes) problems.push({ field: 'stdin', message: `at most ${jobs.maxStdinBytes} bytes` });
    const maximum = effectivePolicy(this.config.limits, language.limits).maxima.timeoutMs;
    const timeoutMs = dto.timeoutMs ?? limits.timeoutMs;
    if (timeoutMs < LIMIT_MINIMA.timeoutMs || timeoutMs > maximum) {
      problems.push({ field: 'timeoutMs', message: `must be ${LIMIT_MINIMA.timeoutMs} to ${maximum} ms (limits.maxima.timeoutMs)` });
    }
    if (problems.length) throw new InvalidRequestException(problems);
    return {
      ...(dto.code !== undefined ? { code: dto.code } : {}),
      ...(dto.command ? { command: dto.command } : {}),
      ...(dto.context ? { context: dto.context } : {}),
      stdinBase64: stdin.toString('base64'),
      args: dto.args ?? [],
      timeoutMs,
    };
  }

  /** A workspace path (`field` names where it came from); '' only where `root` allows the workspace itself. */
  path(path: string, field: string, root = false): string {
    const trimmed = path.replace(/\/+$/, '');
    if (root && (trimmed === '' || trimmed === '.')) return '';
    if (!SAFE_FILE_NAME.test(trimmed)) throw new InvalidRequestException([{ field, message: `${field} ${PATH_MESSAGE}` }]);
    if (trimmed.length > this.config.jobs.maxFileNameLength) {
      throw new InvalidRequestException([{ field, message: `must be at most ${this.config.jobs.maxFileNameLength} characters` }]);
    }
    return trimmed;
  }

  /** Contexts take code alone: no stdin (the interpreter reads none), no args. */
  private checkContext(dto: SessionRunDto, language: LanguageDefinition, problems: FieldError[]): void {
    if (dto.context === undefined) return;
    if (!hasContexts(language.id)) problems.push({ field: 'context', message: `${language.id} sessions have no stateful contexts (python and javascript have)` });
    if (dto.command) problems.push({ field: 'context', message: 'a context runs code, not a command' });
    if (dto.stdin !== undefined) problems.push({ field: 'stdin', message: 'code in a context reads no stdin' });
    if (dto.args?.length) problems.push({ field: 'args', message: 'code in a context takes no args' });
  }

  private checkWords(words: string[], field: string, most: number, problems: FieldError[]): void {
    const jobs = this.config.jobs;
    if (words.length > most) problems.push({ field, message: `at most ${most} words` });
    words.forEach((word, index) => {
      if (word.includes('\0')) problems.push({ field: `${field}[${index}]`, message: 'must not contain NUL' });
      if (Buffer.byteLength(word) > jobs.maxArgBytes) problems.push({ field: `${field}[${index}]`, message: `at most ${jobs.maxArgBytes} bytes` });
    });
  }

  private files(dto: CreateSessionDto, problems: FieldError[]): SourceFile[] {
    const jobs = this.config.jobs;
    const files = (dto.files ?? []).map((file, index) => ({
      name: file.name,
      content: decodeContent(file.content, file.encoding, `files[${index}].content`, problems),
    }));
    if (files.length > jobs.maxFiles) problems.push({ field: 'files', message: `at most ${jobs.maxFiles} files` });
    const bytes = files.reduce((sum, file) => sum + file.content.length, 0);
    if (bytes > jobs.maxSourceBytes) problems.push({ field: 'files', message: `files total ${bytes} bytes; at most ${jobs.maxSourceBytes}` });
    const seen = new Set<string>();
    files.forEach((file, index) => {
      if (seen.has(file.name)) problems.push({ field: `files[${index}].name`, message: `duplicate file name "${file.name}"` });
      seen.add(file.name);
      if (file.name.length > jobs.maxFileNameLength) problems.push({ field: `files[${index}].name`, message: `must be at most ${jobs.maxFileNameLength} characters` });
    });
    return files.map((file) => ({ name: file.name, contentBase64: file.content.toString('base64') }));
  }
}
