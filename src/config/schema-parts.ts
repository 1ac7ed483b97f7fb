/**
 * The building blocks of the config schema (schema.ts, schema-request.ts): strict objects whose
 * keys all carry a description, bounded numbers, secret-or-text values, JSONPaths checked when the
 * config is validated, and keys refused by name. Pure.
 */
import { z } from 'zod';
import { jsonPathProblem, quoteBrief } from './json-path-syntax';
import { quoteJson } from './request-rules';

/**
 * A strict object whose unknown-key error names every allowed key. Every key has a description
 * (the type demands one): `rest-sync schema` prints them for editors, and `configKeyDocs` lists them.
 */
export function strict<T extends z.ZodRawShape>(shape: T, docs: { [K in keyof T]: string }) {
  const allowed = Object.keys(shape).join(', ');
  const described = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v as z.ZodType).describe(docs[k as keyof T])])) as unknown as T;
  return z.strictObject(described, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `allowed keys: ${allowed}` : undefined),
  });
}

export const secretRefSchema = strict({ $secret: z.string().min(1) }, { $secret: 'the name of a secret: env var or .dlt/secrets.toml key, looked up as dlt does' });
export const paramRefSchema = strict({ $param: z.string().min(1) }, { $param: 'the name of a source param, given with --param name=value' });
/** A plain config string, or a `$param` filled in from `--param` when planning. */
export const text = z.union([z.string(), paramRefSchema]);
/** A value that may be a secret reference (auth values, headers). */
export const secretText = z.union([z.string(), secretRefSchema, paramRefSchema]);
export const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const optStr = z.string().min(1).optional();

/**
 * A number within bounds that `run` can honour: anything outside would hang a sync (a rate of
 * 1e-9 per second) or be refused by Temporal at run time (1e12 attempts), so `validate` refuses it.
 */
export function bounded(min: number, max: number, what: string, opts: { int?: boolean; exclusiveMin?: boolean } = {}) {
  const base = opts.int ? z.number().int() : z.number();
  const low = opts.exclusiveMin ? base.gt(min, `${what} must be above ${min}`) : base.min(min, `${what} must be at least ${min}`);
  return low.max(max, `${what} must be at most ${max}`);
}
/** A positive number of seconds, at most an hour: timeouts and retry intervals. */
export const seconds = (what: string) => bounded(0, 3600, what, { exclusiveMin: true });
/** A dlt key rest-sync does not implement: refused by name, with what to do instead. */
export const refused = (why: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (v !== undefined) ctx.addIssue({ code: 'custom', message: `not supported (got ${quoteJson(v)}): ${why}` });
  });

/** A JSONPath into a response or request body, its syntax checked when the config is validated. */
export const jsonPath = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    const problem = jsonPathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: `not a JSONPath: ${problem} in ${quoteBrief(path)}` });
  });
export const optPath = jsonPath.optional();

