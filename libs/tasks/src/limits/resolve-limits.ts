import { LIMIT_KEYS, LIMIT_MINIMA, LimitOverrides, Limits, LimitsPolicy } from './limits';

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
  return { limits, violations };
}

export function effectivePolicy(policy: LimitsPolicy, overrides?: LimitOverrides): LimitsPolicy {
  const maxima = { ...policy.maxima, ...(overrides?.maxima ?? {}) };
  const defaults = { ...policy.defaults, ...(overrides?.defaults ?? {}) };
  for (const key of LIMIT_KEYS) defaults[key] = Math.min(defaults[key], maxima[key]);
  return { defaults, maxima };
}

function checkLimit(key: keyof Limits, value: number, maximum: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${key} must be a number`;
  if (key !== 'cpus' && !Number.isInteger(value)) return `${key} must be an integer`;
  if (value < LIMIT_MINIMA[key]) return `${key} must be at least ${LIMIT_MINIMA[key]}`;
  if (value > maximum) return `${key} must not exceed the configured maximum of ${maximum}`;
  return null;
}
