import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { FetchPagesCall, FetchPagesOutput, FinishResourceCall } from '../../src/activities/types';
import { planSource } from '../../src/plan/plan-source';
import { DEFAULT_OPTIONS, type SyncOptions, type SyncResourceInput } from '../../src/workflows/types';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../helpers/env';

/**
 * The resource workflow's window logic against mocked activities, on the real dev server: which
 * fetch-page calls it makes (probe, parallel windows, lanes, resumed stripes), how it waits after
 * an interrupted window, and that it continues-as-new. No API and no Postgres: only the calls.
 */
type Reply = (input: FetchPagesCall, call: number) => FetchPagesOutput | Promise<FetchPagesOutput>;

const plan = planSource(
  {
    client: { base_url: 'https://api.test' },
    resources: [
      { name: 'items', primary_key: 'id', endpoint: { path: '/items', paginator: { type: 'offset', limit: 10 } } },
      { name: 'events', endpoint: { path: '/events', paginator: { type: 'cursor', cursor_path: 'next' } } },
      { name: 'users', primary_key: 'id', endpoint: { path: '/users', paginator: 'single_page' } },
      { name: 'repos', parallelized: true, endpoint: { path: '/users/{resources.users.id}/repos', paginator: 'single_page' } },
      { name: 'stars', endpoint: { path: '/users/{resources.users.id}/stars', paginator: 'single_page' } },
    ],
  },
  {},
);
const resource = (name: string) => plan.resources.find((r) => r.name === name)!;
/** The resource a call is for, whether it carries the plan or names it. */
const resourceOf = (c: FetchPagesCall | FinishResourceCall): string => ('planRef' in c ? c.planRef.resource : c.resource.name);
/** How a call gets its plan: carried with a key to keep it under, carried without one, or named by key. */
const planWay = (c: FetchPagesCall | FinishResourceCall): string =>
  'planRef' in c ? `named ${c.planRef.key}` : c.planKey !== undefined ? `carried, kept as ${c.planKey}` : 'carried';
const out = (o: Partial<FetchPagesOutput>): FetchPagesOutput => ({ done: false, pages: 0, rows: 0, pagesNow: 1, ...o });

describe('syncResource with mocked activities', () => {
  let temporal: TestTemporal;
  let client: Client;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    client = temporal.client;
  });
  afterAll(async () => temporal?.close());
  const client0 = () => client;

  /** Runs syncResource for `name` with fetchPages answering by `reply`; returns the calls and the workflow id. */
  async function run(name: string, reply: Reply, options: SyncOptions = {}, given?: Partial<SyncResourceInput>) {
    const calls: FetchPagesCall[] = [];
    const finishes: FinishResourceCall[] = [];
    const activities = {
      fetchPages: jest.fn(async (input: FetchPagesCall) => reply(input, calls.push(input) - 1)),
      finishResource: jest.fn(async (input: FinishResourceCall) => (finishes.push(input), { pages: 1, rows: 1 })),
    };
    const worker: Worker = await temporal.mockedWorker(activities);
    const workflowId = uniqueId(`mocked-${name}`);
    const input: SyncResourceInput = { dataset: 'd', syncId: 's1', client: plan.client, resource: resource(name), options: { ...DEFAULT_OPTIONS, ...options }, ...given };
    const handle = await client.workflow.start('syncResource', { taskQueue: temporal.taskQueue, workflowId, args: [input] });
    const result = await worker.runUntil(handle.result());
    return { calls, finishes, workflowId, firstRunId: handle.firstExecutionRunId, result };
  }

  test('a full probe page goes parallel: four windows, every 4th page after the probe', async () => {
    const { calls, finishes } = await run('items', (input) =>
      input.window ? out({ done: true, pages: 10 }) : out({ pages: 10, lastPage: { records: 10, token: { offset: 100 } } }),
    );
    expect(calls[0]).toMatchObject({ maxPages: 10, maxSeconds: 1, minPages: 3 });
    expect(calls[0].window).toBeUndefined();
    expect(calls.slice(1).map((c) => c.window).sort((a, b) => a!.index - b!.index)).toEqual(
      [0, 1, 2, 3].map((index) => ({ index, count: 4, from: { offset: 100 } })),
    );
    expect(finishes[0]).toMatchObject({ windows: 4 });
  });

  test.each([
    { name: 'rate_limit 50, 200 ms a page, no parallelWindows given: 8 windows (7.5 to fill the limit with 2 requests each, and half again)', rate: 50, ms: 200, options: undefined, windows: 8 },
    { name: 'rate_limit 5, 200 ms a page: the default 4 windows', rate: 5, ms: 200, options: undefined, windows: 4 },
    { name: 'rate_limit 500, 200 ms a page: at most 16 windows', rate: 500, ms: 200, options: undefined, windows: 16 },
    { name: 'parallelWindows given: as given, whatever the rate', rate: 50, ms: 200, options: { parallelWindows: 3 }, windows: 3 },
  ])('$name', async ({ rate, ms, options, windows }) => {
    // windowsByRate: the source workflow's input gave no parallelWindows
    const client = { ...plan.client, rateLimit: { requestsPerSecond: rate, burst: 1 } };
    const { calls, finishes } = await run(
      'items',
      (input) => (input.window ? out({ done: true, pages: 10 }) : out({ pages: 10, msPerPage: ms, lastPage: { records: 10, token: { offset: 100 } } })),
      options ?? {},
      { client, ...(options ? {} : { windowsByRate: true }) },
    );
    expect(calls.filter((c) => c.window).length).toBe(windows);
    expect(finishes[0]).toMatchObject({ windows });
  });

  test('windows sized by the rate stay as many after continue-as-new', async () => {
    const client = { ...plan.client, rateLimit: { requestsPerSecond: 50, burst: 1 } };
    const { calls, workflowId, firstRunId } = await run(
      'items',
      (input, n) => (input.window ? out({ done: n > 8, pages: 10 }) : out({ pages: 10, msPerPage: 200, lastPage: { records: 10, token: { offset: 100 } } })),
      { windowsPerRun: 4 },
      { client, windowsByRate: true },
    );
    expect((await client0().workflow.getHandle(workflowId).describe()).runId).not.toBe(firstRunId);
    const windows = calls.filter((c) => c.window);
    // 8 windows' first calls in the first run; in the next run each of the 8 goes on, none missing
    expect(new Set(windows.map((c) => c.window!.count))).toEqual(new Set([8]));
    expect(new Set(windows.slice(8).map((c) => c.window!.index))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
  });

  test.each([
    {
      name: 'probe and windows: the probe carries the plan to keep, the windows and finishResource name it',
      resource: 'items',
      reply: ((input) => (input.window ? out({ done: true, pages: 10 }) : out({ pages: 10, lastPage: { records: 10, token: { offset: 100 } } }))) as Reply,
      first: 1,
    },
    {
      name: 'sequential windows: the first carries the plan, the next ones name it',
      resource: 'events',
      reply: ((_i, n) => out({ done: n === 2, pages: n + 1 })) as Reply,
      first: 1,
    },
    {
      name: 'lanes started at once: each first call carries the plan, none has returned yet',
      resource: 'repos',
      reply: (() => out({ done: true })) as Reply,
      first: 4,
    },
  ])('$name', async ({ resource: name, reply, first }) => {
    const { calls, finishes, firstRunId } = await run(name, reply);
    expect(calls.map(planWay)).toEqual(calls.map((_c, i) => (i < first ? `carried, kept as ${firstRunId}` : `named ${firstRunId}`)));
    expect(calls.map(resourceOf)).toEqual(calls.map(() => name));
    expect(finishes.map(planWay)).toEqual([`named ${firstRunId}`]);
    // a named plan leaves the client and the resource out of the activity's input (and so out of history)
    for (const c of calls.slice(first)) expect(Object.keys(c)).not.toEqual(expect.arrayContaining(['client']));
  });

  test('a run continued-as-new names the plan its first run kept, from its first call on', async () => {
    const { calls, firstRunId, workflowId } = await run('events', (_i, n) => out({ done: n === 4, pages: n + 1 }), { windowsPerRun: 2 });
    expect((await client0().workflow.getHandle(workflowId).describe()).runId).not.toBe(firstRunId);
    expect(calls.map(planWay)).toEqual([`carried, kept as ${firstRunId}`, ...calls.slice(1).map(() => `named ${firstRunId}`)]);
  });

  test('windows another window took over are not waited for: the resource finishes while their own activities still run', async () => {
    const { result, workflowId } = await run('items', async (input) => {
      if (!input.window) return out({ pages: 10, lastPage: { records: 10, token: { offset: 100 } } });
      if (input.window.index > 0) {
        // a window whose worker is gone: its activity answers only when the worker shuts down, after the resource finished
        await new Promise((r) => (Context.current().cancellationSignal.addEventListener('abort', r), setTimeout(r, 20_000)));
        return out({ done: true, pages: 1 });
      }
      return out({ done: true, pages: 1, tookOver: [1, 2, 3].map((window) => ({ window, pages: 2, rows: 20, at: 0 })) });
    });
    expect(result).toEqual({ pages: 1, rows: 1 });
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const fetches = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchPages').length;
    expect([fetches, events.filter((e) => e.activityTaskCompletedEventAttributes).length]).toEqual([5, 3]); // probe, window 0, finishResource
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
    expect(calls[1]).toMatchObject({ maxPages: 7, maxSeconds: 1, minPages: 0 });
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

  test('a child caught up with its running parent waits on a timer, longer while the parent is idle, then walks on', async () => {
    const replies = [
      out({ pagesNow: 0, caughtUp: true }),
      out({ pagesNow: 0, caughtUp: true }),
      out({ pagesNow: 2, pages: 2, caughtUp: true }),
      out({ pagesNow: 0, pages: 2, caughtUp: true }),
      out({ pagesNow: 3, pages: 5, done: true }),
    ];
    const { calls, workflowId } = await run('stars', (_i, n) => replies[n]);
    expect(calls).toHaveLength(5);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const ms = (d: { seconds?: unknown; nanos?: number | null }) => Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6;
    const timers = history.events!.filter((e) => e.timerStartedEventAttributes).map((e) => ms(e.timerStartedEventAttributes!.startToFireTimeout!));
    // 250 ms, then 500 ms while the parent stays idle; progress starts over at 250 ms
    expect(timers).toEqual([250, 500, 250, 250]);
  });
});

/** The source workflow with mocked activities: children start with their parent and stop when it fails. */
describe('syncSource with mocked activities', () => {
  let temporal: TestTemporal;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => temporal?.close());

  const source = {
    client: { base_url: 'https://api.test' },
    resources: [
      { name: 'users', primary_key: 'id', endpoint: { path: '/users', paginator: 'single_page' } },
      { name: 'stars', endpoint: { path: '/users/{resources.users.id}/stars', paginator: 'single_page' } },
    ],
  };

  /** Runs syncSource with fetchPages answering by resource; returns its outcome and the resources failed at the end. */
  async function runSource(fetch: Record<string, (input: FetchPagesCall) => Promise<FetchPagesOutput>>) {
    const failures: Record<string, string>[] = [];
    const activities = {
      planSync: async () => planSource(source, {}),
      prepareSync: async () => ({ schema: 'd' }),
      releaseDataset: async () => undefined,
      finishSync: async (input: { failures: Record<string, string> }) => (failures.push(input.failures), { failed: 0 }),
      fetchPages: (input: FetchPagesCall) => fetch[resourceOf(input)](input),
      finishResource: async () => ({ pages: 1, rows: 1 }),
    };
    const worker: Worker = await temporal.mockedWorker(activities);
    const handle = await temporal.client.workflow.start('syncSource', {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('sync:mocked'),
      args: [{ source, dataset: 'd' }],
    });
    const outcome = await worker.runUntil(handle.result().then(() => 'succeeded', (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message)));
    return { outcome, failures };
  }

  test('a child starts with its parent, before the parent has finished', async () => {
    let childAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (childAsked = resolve));
    const { outcome } = await runSource({
      // the parent ends only once its child has asked for pages
      users: async () => (await asked, out({ done: true })),
      stars: async () => (childAsked(), out({ done: true })),
    });
    expect(outcome).toBe('succeeded');
  });

  test('a parent that fails stops its following child, which is reported not finished', async () => {
    let childAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (childAsked = resolve));
    const { outcome, failures } = await runSource({
      users: async () => {
        await asked;
        throw ApplicationFailure.nonRetryable('HTTP 404 from /users', 'HTTP_ERROR');
      },
      stars: async () => (childAsked(), out({ pagesNow: 0, caughtUp: true })),
    });
    expect(outcome).toMatch(/failed for 2 resource/);
    expect(failures[0].users).toMatch(/HTTP 404/);
    expect(failures[0].stars).toBe('not finished: resource "users" it fans out over failed');
  });
});
