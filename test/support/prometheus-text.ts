/**
 * A parser for the Prometheus text exposition format (version 0.0.4), strict
 * enough to reject what Prometheus would: every sample belongs to a family
 * declared by # TYPE before it, names and label names are valid, label values
 * are properly quoted and escaped, values are numbers, and each histogram's
 * buckets are cumulative and end in +Inf equal to _count.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parseExposition(text: string): Family[] {
  const families = new Map<string, Family>();
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) return parseComment(line, families, where);
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`${where}: sample ${sample.name} has no # TYPE before it`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return [...families.values()];
}

function parseComment(line: string, families: Map<string, Family>, where: string): void {
  const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
  if (!match) return;
  const [, kind, name, rest = ''] = match;
  if (!NAME.test(name)) throw new Error(`${where}: invalid metric name ${name}`);
  const family = families.get(name) ?? { name, type: 'untyped' as const, help: '', samples: [] };
  if (kind === 'HELP') family.help = rest;
  else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) family.type = rest as Family['type'];
  else throw new Error(`${where}: unknown type ${rest}`);
  families.set(name, family);
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  for (const family of families.values()) {
    if (SUFFIXES[family.type].some((suffix) => sampleName === family.name + suffix)) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  let position = 0;
  while (position < line.length && /[a-zA-Z0-9_:]/.test(line[position])) position++;
  const name = line.slice(0, position);
  if (!NAME.test(name)) throw new Error(`${where}: invalid sample name in "${line}"`);
  const labels: Record<string, string> = {};
  if (line[position] === '{') position = parseLabels(line, position + 1, labels, where);
  const [value, timestamp, extra] = line.slice(position).trim().split(/\s+/);
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`${where}: trailing garbage in "${line}"`);
  return { name, labels, value: parseValue(value, where) };
}

/** Reads `name="value",...}` from `start`; returns the position after `}`. */
function parseLabels(line: string, start: number, labels: Record<string, string>, where: string): number {
  let position = start;
  while (line[position] !== '}') {
    const equals = line.indexOf('=', position);
    const label = line.slice(position, equals).trim();
    if (equals < 0 || !LABEL.test(label)) throw new Error(`${where}: invalid label name near "${line.slice(position)}"`);
    if (line[equals + 1] !== '"') throw new Error(`${where}: label ${label} is not quoted`);
    let value = '';
    position = equals + 2;
    for (; line[position] !== '"'; position++) {
      if (position >= line.length) throw new Error(`${where}: unterminated value of label ${label}`);
      if (line[position] === '\\') {
        const escaped = line[++position];
        value += escaped === 'n' ? '\n' : escaped;
      } else value += line[position];
    }
    if (label in labels) throw new Error(`${where}: label ${label} repeated`);
    labels[label] = value;
    position++;
    if (line[position] === ',') position++;
    else if (line[position] !== '}') throw new Error(`${where}: expected , or } after label ${label}`);
  }
  return position + 1;
}

/** As Prometheus reads values (Go's ParseFloat): Inf and NaN in any case. */
function parseValue(text: string | undefined, where: string): number {
  const special = text?.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  const value = Number(text);
  if (text === undefined || text === '' || Number.isNaN(value)) throw new Error(`${where}: value ${text} is not a number`);
  return value;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    const entry = series.get(key) ?? { buckets: [] };
    if (sample.name.endsWith('_bucket')) entry.buckets.push([parseValue(le, family.name), sample.value]);
    if (sample.name.endsWith('_count')) entry.count = sample.value;
    series.set(key, entry);
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.at(-1)?.[0] !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (sorted.some(([, value], i) => i > 0 && value < sorted[i - 1][1])) throw new Error(`${family.name}${key}: buckets are not cumulative`);
    if (sorted.at(-1)?.[1] !== count) throw new Error(`${family.name}${key}: +Inf bucket ≠ _count`);
  }
}

/** Sum of the samples named `name` (or `name_count` for histograms) whose labels include `labels`. */
export function total(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`metric ${name} is not exposed`);
  const sampleName = family.type === 'histogram' ? `${name}_count` : name;
  return family.samples
    .filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
