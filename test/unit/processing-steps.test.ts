import { compileSteps } from '../../src/activities/steps';
import { importSourceText } from '../../src/config/import';
import { translateLambda } from '../../src/config/lambda';
import { parseSourceConfig } from '../../src/config/validate';
import { buildPlan } from '../../src/plan/build';
import { ProcessingStepError } from '../../src/errors';
import type { ProcessingStep } from '../../src/plan/types';

const records = [
  { id: 1, name: 'a', tags: ['x'], meta: { on: true } },
  { id: 2, name: 'b', tags: [], meta: { on: false } },
  { id: 3, name: null, tags: ['y'], meta: {} },
];

/** dlt's add_filter / add_map in order: each config's steps on the same page of records. */
describe('processing_steps on a page of records', () => {
  test.each<[string, ProcessingStep[], unknown[]]>([
    ['a filter keeps records it is true for', [{ filter: 'id != 1' }], [records[1], records[2]]],
    ['Python truth: an empty list drops the record', [{ filter: 'tags' }], [records[0], records[2]]],
    ['a nested field and boolean logic', [{ filter: 'meta.on = true or id = 3' }], [records[0], records[2]]],
    ['`in` a list', [{ filter: 'id in [1, 3]' }], [records[0], records[2]]],
    ['a map yields the new record', [{ map: '$merge([$, {"double": id * 2}])' }], records.map((r) => ({ ...r, double: r.id * 2 }))],
    ['a map to a new object', [{ map: '{"key": id}' }], [{ key: 1 }, { key: 2 }, { key: 3 }]],
    ['a map yielding null drops the record', [{ map: 'id > 1 ? $ : null' }], [records[1], records[2]]],
    ['steps in order: the filter sees the mapped record', [{ map: '{"n": id * 10}' }, { filter: 'n >= 20' }], [{ n: 20 }, { n: 30 }]],
    ['filter then map in one step', [{ filter: 'id < 3', map: '{"id": id}' }], [{ id: 1 }, { id: 2 }]],
  ])('%s', async (_name, steps, expected) => {
    expect(await compileSteps(steps)!(records)).toEqual(expected);
  });

  test.each<[string, ProcessingStep[], string]>([
    ['an evaluation error', [{ filter: 'id = 1' }, { map: '$number("x" & name)' }], 'processing_steps[1] map "$number(\\"x\\" & name)" failed on record 0: '],
    ['a map that yields no object', [{ map: 'id' }], 'processing_steps[0] map "id" yielded "1" for record 0, not an object (a record)'],
    ['a runaway expression stops', [{ filter: '($f := function($x){ $f($x + 1) }; $f(1))' }], 'more than 100000 evaluation steps for one record'],
  ])('%s fails the page naming the step index', async (_name, steps, message) => {
    const err = await compileSteps(steps)!(records).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessingStepError);
    expect((err as Error).message).toContain(message);
  });
});

const config = (steps: unknown) => ({ client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: 'r', processing_steps: steps }] });

describe('processing_steps in the config', () => {
  test('planned in order', () => {
    const plan = buildPlan(parseSourceConfig(config([{ filter: 'id > 1' }, { map: '$' }])), {});
    expect(plan.resources[0].processingSteps).toEqual([{ filter: 'id > 1' }, { map: '$' }]);
  });

  test.each([
    ['a syntax error, quoting the expression', [{ filter: 'id >' }], 'resources[0].processing_steps[0].filter: not a JSONata expression: '],
    ['a step with neither key', [{}], 'resources[0].processing_steps[0]: a processing step needs filter or map'],
    ['yield_map, by name', [{ yield_map: 'x' }], 'resources[0].processing_steps[0].yield_map: not supported (got "x"): a yield_map'],
    ['an unknown key', [{ flat_map: 'x' }], 'resources[0].processing_steps[0].flat_map: unknown key; allowed keys: filter, map, yield_map'],
  ])('refuses %s', (_name, steps, message) => {
    expect(() => parseSourceConfig(config(steps))).toThrow(message);
  });
});

/** `rest-sync import`: the lambdas of dlt configs as JSONata, the same records kept. */
describe('Python lambdas translated', () => {
  test.each([
    ['lambda x: x["id"] != 1', '$.`id` != 1', [records[1], records[2]]],
    ['lambda r: r.get("name") is None', '($not($exists($.`name`)) or $.`name` = null)', [records[2]]],
    ['lambda r: r["name"] is not None and r["id"] >= 2', '(($exists($.`name`) and $.`name` != null) and $.`id` >= 2)', [records[1]]],
    ['lambda x: x["id"] in [1, 3] and not x["meta"]["on"] == False', '($.`id` in [1, 3] and $not($.`meta`.`on` = false))', [records[0], records[2]]],
    ["lambda x: x['id'] not in (2,)", '$not($.`id` in [2])', [records[0], records[2]]],
    ['lambda x: (x["id"] == 1 or x["id"] == 2) and x["id"] > -1', '((($.`id` = 1 or $.`id` = 2)) and $.`id` > -1)', [records[0], records[1]]],
  ])('filter %s', async (lambda, expression, kept) => {
    expect(translateLambda(lambda)).toBe(expression);
    expect(await compileSteps([{ filter: expression }])!(records)).toEqual(kept);
  });

  test('map {**r, "a": r["b"]}', async () => {
    const expression = translateLambda('lambda r: {**r, "n": r["id"], "fixed": "v"}');
    expect(expression).toBe('$merge([$, {"n": $.`id`, "fixed": "v"}])');
    expect(await compileSteps([{ map: expression }])!([{ id: 5 }])).toEqual([{ id: 5, n: 5, fixed: 'v' }]);
  });

  test('import writes the translated expressions into the config', () => {
    const raw = importSourceText(
      'config = {"client": {"base_url": "https://a.io"}, "resources": [{"name": "r", "processing_steps": [{"filter": lambda x: x["id"] != 1}, {"map": lambda r: {**r, "a": r["b"]}}]}]}',
      'c.py',
    ) as { resources: Array<{ processing_steps: unknown }> };
    expect(raw.resources[0].processing_steps).toEqual([{ filter: '$.`id` != 1' }, { map: '$merge([$, {"a": $.`b`}])' }]);
  });

  test.each([
    ['a call', '{"filter": lambda x: len(x["tags"]) > 0}', 'cannot translate the filter lambda "lambda x: len(x[\\"tags\\"]) > 0" to an expression: `len` is not supported'],
    ['a method', '{"map": lambda x: x["name"].upper()}', 'cannot translate the map lambda "lambda x: x[\\"name\\"].upper()"'],
    ['`in` a field (substring or membership?)', '{"filter": lambda x: "a" in x["name"]}', '`in` is translated only with a list or tuple literal on its right'],
    ['two arguments', '{"filter": lambda x, y: x}', 'cannot translate the filter lambda "lambda x"'],
    ['a lambda outside a step', '{"paginator": lambda x: x}', 'a lambda is read only as a processing step\'s filter or map: "lambda x: x"'],
  ])('refuses %s, quoting the lambda', (_name, step, message) => {
    const text = `config = {"client": {"base_url": "https://a.io"}, "resources": [{"name": "r", "processing_steps": [${step}]}]}`;
    expect(() => importSourceText(text, 'c.py')).toThrow(message);
  });
});
