// option value parsers: each rejects a bad value with a message commander prints as one line
import { InvalidArgumentError } from 'commander';
import { modelsOfReport, REPORTS } from '../models/registry.js';
import { MAX_SEED } from '../study/seeds.js';

export function positiveInt(max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError('must be a positive integer.');
    const n = Number(value);
    if (n < 1) throw new InvalidArgumentError('must be a positive integer (1 or more).');
    if (n > max) throw new InvalidArgumentError(`must be at most ${max}.`);
    return n;
  };
}

export function seedArg(value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer.');
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n > MAX_SEED) throw new InvalidArgumentError(`must be at most ${MAX_SEED}.`);
  return n;
}

// model ids, comma-separated; a report's name stands for all its models
export function idList(value: string): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.every((s) => s === '')) throw new InvalidArgumentError('must list at least one model id (comma-separated).');
  if (parts.includes('')) throw new InvalidArgumentError(`'${value}' has an empty item (two commas, or a comma at an end).`);
  return expandReports(parts);
}

// a report's name in a model list stands for all its models, in the report's order
export function expandReports(ids: readonly string[]): string[] {
  return ids.flatMap((p) => ((REPORTS as readonly string[]).includes(p) ? modelsOfReport(p).map((m) => m.id) : [p]));
}

export function positiveNumberList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.every((s) => s === '')) throw new InvalidArgumentError('must list at least one number (comma-separated).');
  if (parts.includes('')) throw new InvalidArgumentError(`'${value}' has an empty item (two commas, or a comma at an end).`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n <= 0 || p === '') throw new InvalidArgumentError(`'${p}' is not a positive number.`);
    return n;
  });
}

export function positiveIntList(value: string): number[] {
  return positiveNumberList(value).map((n) => {
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`'${n}' is not a positive integer.`);
    return n;
  });
}

export function nonEmpty(what: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${what} must not be empty.`);
    return value;
  };
}
