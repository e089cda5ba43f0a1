import { ConfiguredLimitKey, CPU_TIME_MINIMUM_MS, cpuTimeMsOf, LIMIT_KEYS, LIMIT_MINIMA, LimitOverrides, Limits, LimitsPolicy } from './limits';

export interface LimitViolation {
  field: string;
  message: string;
}

export interface ResolvedLimits {
  limits: Limits;
  violations: LimitViolation[];
}

/**
 * Merges the global policy with a language's overrides (a language may raise
 * its own defaults and maxima, e.g. the JVM) and applies the request's values,
 * which may never exceed the effective maximum.
 */
export function resolveLimits(
  requested: Partial<Limits> | undefined,
  policy: LimitsPolicy,
  languageOverrides?: LimitOverrides,
): ResolvedLimits {
  const effective = effectivePolicy(policy, languageOverrides);
  const limits = { ...effective.defaults };
  const violations: LimitViolation[] = [];
  for (const key of LIMIT_KEYS) {
    const value = requested?.[key];
    if (value === undefined || value === null) continue;
    const problem = checkLimit(key, value, effective.maxima[key]);
    if (problem) violations.push({ field: `limits.${key}`, message: problem });
    else limits[key] = value;
  }
  const cpuTime = requested?.cpuTimeMs;
  if (cpuTime !== undefined && cpuTime !== null) {
    const problem = checkCpuTime(cpuTime, cpuTimeMsOf(effective.maxima));
    if (problem) violations.push({ field: 'limits.cpuTimeMs', message: problem });
    else limits.cpuTimeMs = cpuTime;
  }
  return { limits, violations };
}

/** The CPU-time maximum follows from the configured maxima: wall-clock maximum times the most cores. */
function checkCpuTime(value: number, maximum: number): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'cpuTimeMs must be an integer';
  if (value < CPU_TIME_MINIMUM_MS) return `cpuTimeMs must be at least ${CPU_TIME_MINIMUM_MS}`;
  if (value > maximum) return `cpuTimeMs must not exceed ${maximum} (limits.maxima.timeoutMs × limits.maxima.cpus)`;
  return null;
}

export function effectivePolicy(policy: LimitsPolicy, overrides?: LimitOverrides): LimitsPolicy {
  const maxima = { ...policy.maxima, ...(overrides?.maxima ?? {}) };
  const defaults = { ...policy.defaults, ...(overrides?.defaults ?? {}) };
  for (const key of LIMIT_KEYS) defaults[key] = Math.min(defaults[key], maxima[key]);
  return { defaults, maxima };
}

function checkLimit(key: ConfiguredLimitKey, value: number, maximum: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${key} must be a number`;
  if (key !== 'cpus' && !Number.isInteger(value)) return `${key} must be an integer`;
  if (value < LIMIT_MINIMA[key]) return `${key} must be at least ${LIMIT_MINIMA[key]}`;
  if (value > maximum) return `${key} must not exceed the configured maximum of ${maximum}`;
  return null;
}
