/**
 * dlt's `processing_steps` on the records of one page: each step, in order, a `filter` (the
 * record loads when the expression is true by Python's truth test) and/or a `map` (the
 * expression's object is the new record; null drops it), as dlt's add_filter / add_map. Steps run
 * after selection and the incremental window, before the rows are written and before child
 * resources read the parent's fields: dlt's children see the parent's processed records too.
 */
import { compileExpression, describeError, truthy, type Expression } from '../config/expression';
import { quoteBrief } from '../config/json-path-syntax';
import { ProcessingStepError } from '../errors';
import type { ProcessingStep } from '../plan/types';

interface Compiled {
  index: number;
  filter?: Expression;
  map?: Expression;
}

/** Applies a resource's steps to a page's records. */
export type StepRunner = (records: unknown[]) => Promise<unknown[]>;

/** The resource's steps compiled once (validate checked their syntax), or undefined when it has none. */
export function compileSteps(steps: ProcessingStep[] | undefined): StepRunner | undefined {
  if (!steps?.length) return undefined;
  const compiled: Compiled[] = steps.map((s, index) => ({
    index,
    ...(s.filter !== undefined ? { filter: compileExpression(s.filter) } : {}),
    ...(s.map !== undefined ? { map: compileExpression(s.map) } : {}),
  }));
  return async (records) => {
    let out = records;
    for (const step of compiled) out = await applyStep(step, out);
    return out;
  };
}

async function applyStep(step: Compiled, records: unknown[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [i, record] of records.entries()) {
    if (step.filter && !truthy(await run(step, 'filter', step.filter, record, i))) continue;
    if (!step.map) {
      out.push(record);
      continue;
    }
    const mapped = await run(step, 'map', step.map, record, i);
    if (mapped === undefined || mapped === null) continue;
    if (typeof mapped !== 'object' || Array.isArray(mapped)) {
      throw new ProcessingStepError(`${stepName(step, 'map', step.map)} yielded ${quoteBrief(JSON.stringify(mapped))} for record ${i}, not an object (a record)`, undefined);
    }
    out.push({ ...mapped }); // JSONata builds objects without a prototype
  }
  return out;
}

async function run(step: Compiled, kind: 'filter' | 'map', expr: Expression, record: unknown, i: number): Promise<unknown> {
  try {
    return await expr.evaluate(record);
  } catch (err) {
    throw new ProcessingStepError(`${stepName(step, kind, expr)} failed on record ${i}: ${describeError(err)}`, err);
  }
}

const stepName = (step: Compiled, kind: string, expr: Expression) => `processing_steps[${step.index}] ${kind} ${quoteBrief(expr.source)}`;
