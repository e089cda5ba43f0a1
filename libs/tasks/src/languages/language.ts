import { LimitOverrides } from '../limits/limits';

/** One entry of config/languages.yaml, validated. */
export interface LanguageDefinition {
  id: string;
  name: string;
  version: string;
  aliases: string[];
  /** Runtime image that holds the toolchain and the agent. */
  image: string;
  /** Name given to the main source file (the request's `code`). */
  file: string;
  /** File extensions that `{sources}` picks from the job's files (main first). */
  extensions: string[];
  /** argv template of the compile step; absent for interpreted languages. */
  compile?: string[];
  /** argv template of the run step. */
  run: string[];
  /** Extra environment of the program (PATH, HOME... are set by the worker). */
  env: Record<string, string>;
  /** Per-language defaults and maxima that replace the global ones (e.g. the JVM). */
  limits?: LimitOverrides;
  /** argv that prints the toolchain's version in the image; the tests check `version` against it. */
  versionCommand?: string[];
  /**
   * A regular expression whose first group, found in the request's `code`,
   * names the main file (plus `file`'s extension): Java's public class.
   */
  fileFromCode?: string;
  /** How the runtime reports running out of its memory by itself (e.g. the JVM's heap): a MEMORY_LIMIT. */
  outOfMemory?: OutOfMemorySignature;
  /** Libraries the image holds beyond the toolchain (Python's numpy...): name → version, as GET /languages shows them. */
  packages?: Record<string, string>;
  /** argv that prints `name version`, a line each, for every package; the tests check `packages` against it. */
  packagesCommand?: string[];
  /**
   * The named queue (coordinator.queues) this language's jobs go to when the
   * request names none, so its code runs in the tier of that queue's workers
   * (e.g. C on `untrusted`, served by gVisor workers).
   */
  queue?: string;
}

/** Every given condition must hold. */
export interface OutOfMemorySignature {
  exitCode?: number;
  /** Text the runtime writes, to stdout or stderr (the JVM's goes to stdout). */
  output?: string;
}

/** The public view (`GET /languages`). */
export interface LanguageSummary {
  id: string;
  name: string;
  version: string;
  aliases: string[];
  compiled: boolean;
  /** Present where the table names libraries of the image (name → version). */
  packages?: Record<string, string>;
}

export function summarizeLanguage(language: LanguageDefinition): LanguageSummary {
  return {
    id: language.id,
    name: language.name,
    version: language.version,
    aliases: [...language.aliases],
    compiled: Boolean(language.compile),
    ...(language.packages ? { packages: { ...language.packages } } : {}),
  };
}
