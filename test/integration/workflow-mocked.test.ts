import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { FetchPagesInput, FetchPagesOutput, FinishResourceInput } from '../../src/activities/types';
import { planSource } from '../../src/plan/plan-source';
import { DEFAULT_OPTIONS, type SyncOptions, type SyncResourceInput } from '../../src/workflows/types';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../helpers/env';

/**
 * The resource workflow's window logic against mocked activities, on the real dev server: which
 * fetch-page calls it makes (probe, parallel windows, lanes, resumed stripes), how it waits after
 * an interrupted window, and that it continues-as-new. No API and no Postgres: only the calls.
 */
type Reply = (input: FetchPagesInput, call: number) => FetchPagesOutput;

const plan = planSource(
  {
    client: { base_url: 'https://api.test' },
    resources: [
      { name: 'items', primary_key: 'id', endpoint: { path: '/items', paginator: { type: 'offset', limit: 10 } } },
      { name: 'events', endpoint: { path: '/events', paginator: { type: 'cursor', cursor_path: 'next' } } },
      { name: 'users', primary_key: 'id', endpoint: { path: '/users', paginator: 'single_page' } },
      { name: 'repos', parallelized: true, endpoint: { path: '/users/{resources.users.id}/repos', paginator: 'single_page' } },
    ],
  },
  {},
);
const resource = (name: string) => plan.resources.find((r) => r.name === name)!;
const out = (o: Partial<FetchPagesOutput>): FetchPagesOutput => ({ done: false, pages: 0, rows: 0, pagesNow: 1, ...o });

describe('syncResource with mocked activities', () => {
  let temporal: TestTemporal;
  let client: Client;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    client = temporal.client;
  });
  afterAll(async () => temporal?.close());

  /** Runs syncResource for `name` with fetchPages answering by `reply`; returns the calls and the workflow id. */
  async function run(name: string, reply: Reply, options: SyncOptions = {}) {
    const calls: FetchPagesInput[] = [];
    const finishes: FinishResourceInput[] = [];
    const activities = {
      fetchPages: jest.fn(async (input: FetchPagesInput) => reply(input, calls.push(input) - 1)),
      finishResource: jest.fn(async (input: FinishResourceInput) => (finishes.push(input), { pages: 1, rows: 1 })),
    };
    const worker: Worker = await temporal.mockedWorker(activities);
    const workflowId = uniqueId(`mocked-${name}`);
    const input: SyncResourceInput = { dataset: 'd', syncId: 's1', client: plan.client, resource: resource(name), options: { ...DEFAULT_OPTIONS, ...options } };
    const handle = await client.workflow.start('syncResource', { taskQueue: temporal.taskQueue, workflowId, args: [input] });
    const result = await worker.runUntil(handle.result());
    return { calls, finishes, workflowId, firstRunId: handle.firstExecutionRunId, result };
  }

  test('a full probe page goes parallel: four windows, every 4th page after the probe', async () => {
    const { calls, finishes } = await run('items', (input) =>
      input.window ? out({ done: true, pages: 10 }) : out({ pages: 10, lastPage: { records: 10, token: { offset: 100 } } }),
    );
    expect(calls[0]).toMatchObject({ maxPages: 10 });
    expect(calls[0].window).toBeUndefined();
    expect(calls.slice(1).map((c) => c.window).sort((a, b) => a!.index - b!.index)).toEqual(
      [0, 1, 2, 3].map((index) => ({ index, count: 4, from: { offset: 100 } })),
    );
    expect(finishes[0]).toMatchObject({ windows: 4 });
  });

  test('a short probe page stays sequential', async () => {
    const { calls, finishes } = await run('items', (_i, n) => (n === 0 ? out({ pages: 10, lastPage: { records: 7, token: { offset: 70 } } }) : out({ done: true })));
    expect(calls.map((c) => c.window ?? null)).toEqual([null, null]);
    expect(finishes[0].windows).toBeUndefined();
  });

  test('a parallelized child walks its parent records in four lanes', async () => {
    const { calls, finishes } = await run('repos', () => out({ done: true }));
    expect(calls.map((c) => c.lane).sort((a, b) => a!.index - b!.index)).toEqual([0, 1, 2, 3].map((index) => ({ index, count: 4 })));
    expect(finishes[0]).toMatchObject({ lanes: 4 });
  });

  test("an interrupted window is followed, after the server's Retry-After as a timer, by a fresh activity", async () => {
    const { calls, workflowId } = await run('events', (_i, n) => (n === 0 ? out({ pages: 3, interrupted: 'HTTP 503', retryAfterMs: 321 }) : out({ done: true })));
    expect(calls).toHaveLength(2);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const timers = history.events!.filter((e) => e.timerStartedEventAttributes).map((e) => e.timerStartedEventAttributes!.startToFireTimeout);
    expect(timers).toHaveLength(1);
    expect(Number(timers[0]!.nanos ?? 0) / 1e6 + Number(timers[0]!.seconds ?? 0) * 1000).toBe(321);
  });

  test('a probe cut short by a fault goes on for the rest of its length, then decides', async () => {
    const { calls } = await run('items', (input, n) => {
      if (n === 0) return out({ pages: 3, interrupted: 'timeout', lastPage: { records: 10, token: { offset: 30 } } });
      if (n === 1) return out({ pages: 10, lastPage: { records: 10, token: { offset: 100 } } });
      return out({ done: true, pages: 10 });
    });
    expect(calls[1]).toMatchObject({ maxPages: 7 });
    expect(calls[1].window).toBeUndefined();
    expect(calls.slice(2).every((c) => c.window?.count === 4 && (c.window.from as { offset: number }).offset === 100)).toBe(true);
  });

  test('a sync taken over resumes its started windows as they were (striped)', async () => {
    const { calls, finishes } = await run('items', (input) => (input.window ? out({ done: true }) : out({ pagesNow: 0, pages: 12, striped: { from: { offset: 50 }, count: 3 } })));
    expect(calls.slice(1).map((c) => c.window).sort((a, b) => a!.index - b!.index)).toEqual([0, 1, 2].map((index) => ({ index, count: 3, from: { offset: 50 } })));
    expect(finishes[0]).toMatchObject({ windows: 3 });
  });

  test('after windowsPerRun windows the workflow continues as new and the next run resumes', async () => {
    const { calls, workflowId, firstRunId } = await run('events', (_i, n) => out({ done: n === 4, pages: n + 1 }), { windowsPerRun: 2 });
    expect(calls).toHaveLength(5);
    const firstRun = await client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
    const continued = firstRun.events!.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(continued).toBeDefined();
    expect((await client.workflow.getHandle(workflowId).describe()).runId).not.toBe(firstRunId);
  });
});
