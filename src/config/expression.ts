/**
 * The expression language of `processing_steps` (`filter` / `map`): JSONata, evaluated by the
 * `jsonata` library's own interpreter (no `eval`, no `new Function`, no access to JavaScript
 * globals). An expression sees one record as `$`, its fields by name (`id`, `` `odd name` ``).
 * Pure: compiling checks the syntax when the config is validated; evaluating runs in activities.
 */
import jsonata from 'jsonata';
import { quoteBrief } from './json-path-syntax';

/** Evaluation steps one record may take: a runaway expression (a recursive function) stops here instead of hanging a worker. */
export const MAX_EXPRESSION_STEPS = 100_000;

/** A compiled expression: `evaluate` applies it to one record. */
export interface Expression {
  source: string;
  evaluate(record: unknown): Promise<unknown>;
}

interface JsonataError {
  message?: string;
  position?: number;
  token?: string;
  code?: string;
}

/** The syntax problem of `source` as a sentence quoting it, or undefined when it compiles. */
export function expressionProblem(source: string): string | undefined {
  try {
    jsonata(source);
    return undefined;
  } catch (err) {
    return `not a JSONata expression: ${describeError(err)} in ${quoteBrief(source)}`;
  }
}

/** A JSONata error as one line: its message and where in the expression. */
export function describeError(err: unknown): string {
  const e = err as JsonataError;
  const at = typeof e.position === 'number' ? ` (at character ${e.position})` : '';
  return `${e.message ?? String(err)}${at}`;
}

/** Compiles `source`; evaluation is bounded to MAX_EXPRESSION_STEPS steps per record. */
export function compileExpression(source: string): Expression {
  const expr = jsonata(source);
  let steps = 0;
  expr.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, () => {
    steps += 1;
    if (steps > MAX_EXPRESSION_STEPS) throw new Error(`more than ${MAX_EXPRESSION_STEPS} evaluation steps for one record`);
  });
  return {
    source,
    async evaluate(record) {
      steps = 0;
      return expr.evaluate(record);
    },
  };
}

/** Python's truth test, which dlt's `filter` applies to the function's result: null, false, 0, "", [] and {} drop the record. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}
