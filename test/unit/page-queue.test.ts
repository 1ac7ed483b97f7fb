import { PageQueue } from '../../src/activities/fetch/page-queue';
import type { Position } from '../../src/activities/fetch/position';
import type { Fetched } from '../../src/activities/fetch/source';
import type { Json } from '../../src/plan/types';

/**
 * A fake API of numbered pages whose responses the test releases one by one: page n's next token
 * is n + 1 (or `nextOf(n)`), up to `last`. It records the requests made and when.
 */
function fakeApi(last: number, nextOf: (n: number) => Json | null = (n) => (n < last ? n + 1 : null)) {
  const requested: number[] = [];
  const waiting = new Map<number, { resolve: (p: Fetched) => void; reject: (e: Error) => void }>();
  return {
    requested,
    fetch(pos: Position): Promise<Fetched> {
      const n = pos.token as number;
      requested.push(n);
      return new Promise((resolve, reject) => waiting.set(n, { resolve, reject }));
    },
    /** the response of page n arrives */
    async answer(n: number, fail?: string): Promise<void> {
      const w = waiting.get(n)!;
      if (fail) w.reject(new Error(fail));
      else w.resolve({ records: [{ id: n }], next: nextOf(n) });
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('PageQueue: pages requested ahead of the commits', () => {
  test.each([
    { name: 'depth 2: one page requested ahead of the one being committed', depth: 2, expectRequested: [1, 2] },
    { name: 'depth 4: three pages ahead', depth: 4, expectRequested: [1, 2, 3, 4] },
  ])('$name', async ({ depth, expectRequested }) => {
    const api = fakeApi(10);
    const queue = new PageQueue({ fetch: (pos) => api.fetch(pos), within: () => true, where: () => 'page' }, depth);
    queue.start({ token: 1 });
    // every response arrives as soon as it is requested; nothing is committed yet
    for (let n = 1; n <= 10 && api.requested.includes(n); n++) await api.answer(n);
    expect(api.requested).toEqual(expectRequested);
    // the arrived pages come out in order without waiting; a commit makes room for more requests
    const first = await queue.next();
    expect(first?.pos.token).toBe(1);
    const more = [queue.ready(), queue.ready(), queue.ready()].filter(Boolean).map((p) => p!.pos.token);
    expect(more).toEqual(expectRequested.slice(1));
    queue.committed(expectRequested.length);
    await flush();
    expect(api.requested.length).toBe(expectRequested.length + 1);
  });

  test.each([
    { name: 'the window ends by pages: no request beyond the budget', budget: 3 },
    { name: 'a one-page window requests one page', budget: 1 },
  ])('$name', async ({ budget }) => {
    const api = fakeApi(10);
    let committed = 0;
    const queue = new PageQueue({ fetch: (pos) => api.fetch(pos), within: (ahead) => committed + ahead < budget, where: () => 'page' }, 8);
    queue.start({ token: 1 });
    for (let n = 1; n <= 10 && api.requested.includes(n); n++) await api.answer(n);
    const out: Json[] = [];
    for (let p = await queue.next(); p; p = await queue.next()) {
      out.push(p.pos.token);
      committed += 1;
      queue.committed(1);
      await flush();
      for (const n of api.requested) if (!out.includes(n)) await api.answer(n).catch(() => undefined);
    }
    expect(out).toEqual(Array.from({ length: budget }, (_, i) => i + 1));
    expect(api.requested).toEqual(out);
    // a held page: the window ended, not the chain
    expect(queue.ended).toBe(false);
  });

  test('the last page ends the chain', async () => {
    const api = fakeApi(2);
    const queue = new PageQueue({ fetch: (pos) => api.fetch(pos), within: () => true, where: () => 'page' }, 4);
    queue.start({ token: 1 });
    await api.answer(1);
    await api.answer(2);
    expect((await queue.next())?.pos.token).toBe(1);
    expect((await queue.next())?.pos.token).toBe(2);
    expect(await queue.next()).toBeUndefined();
    expect(queue.ended).toBe(true);
  });

  test('a failed request surfaces in its turn, after the pages before it', async () => {
    const api = fakeApi(10);
    const queue = new PageQueue({ fetch: (pos) => api.fetch(pos), within: () => true, where: () => 'page' }, 4);
    queue.start({ token: 1 });
    await api.answer(1);
    await api.answer(2, 'HTTP 500');
    expect((await queue.next())?.pos.token).toBe(1);
    expect(queue.ready()).toBeUndefined(); // never a failed page
    await expect(queue.next()).rejects.toThrow('HTTP 500');
    expect(api.requested).toEqual([1, 2]);
  });

  test('tokens that cycle (1 → 2 → 1): the page whose next token was requested before fails, named as when it was requested', async () => {
    const api = fakeApi(10, (n) => (n === 2 ? 1 : n + 1));
    let committed = 0;
    const queue = new PageQueue({ fetch: (pos) => api.fetch(pos), within: () => true, where: (_pos, ahead) => `page ${committed + 1 + ahead}` }, 4);
    queue.start({ token: 1 });
    await api.answer(1);
    expect((await queue.next())?.pos.token).toBe(1);
    // page 1 commits while page 2 is in flight
    committed += 1;
    queue.committed(1);
    await api.answer(2);
    await expect(queue.next()).rejects.toThrow(/^page 2: pagination cycles: .* was fetched before in this window$/);
    expect(api.requested).toEqual([1, 2]);
  });
});

/**
 * A parallel window's pages: positions known in advance (`predict`: page n + 1), so two requests
 * of the chain go out at once; a page that contradicts the prediction drops what was requested after it.
 */
describe('PageQueue: predicted pages, two requests in flight', () => {
  const drain = async (queue: PageQueue) => {
    const out: Json[] = [];
    for (let p = await queue.next(); p; p = await queue.next()) {
      out.push(p.pos.token);
      queue.committed(1);
    }
    return out;
  };
  const predicted = (api: ReturnType<typeof fakeApi>) =>
    new PageQueue({ fetch: (pos) => api.fetch(pos), within: () => true, where: () => 'page', predict: (pos) => ({ token: (pos.token as number) + 1 }) }, 8, 2);

  test.each([
    {
      name: 'pages answered out of order come out in order, two requests always out, no cycle reported for the predicted page',
      last: 4,
      nextOf: undefined,
      answers: [2, 1, 3, 4, 5],
      fail: [] as number[],
      out: [1, 2, 3, 4],
      requested: [1, 2, 3, 4, 5],
    },
    { name: 'the last page drops the request predicted after it', last: 2, nextOf: undefined, answers: [1, 3, 2], fail: [], out: [1, 2], requested: [1, 2, 3] },
    { name: 'a predicted request that fails past the last page is never seen', last: 2, nextOf: undefined, answers: [1, 3, 2], fail: [3], out: [1, 2], requested: [1, 2, 3] },
    { name: 'a last page that arrives before the one ahead of it predicts nothing more', last: 2, nextOf: undefined, answers: [2, 1], fail: [], out: [1, 2], requested: [1, 2] },
    {
      name: 'a page naming another next page than predicted: the predicted request is dropped, the named one requested',
      last: 9,
      nextOf: (n: number) => (n === 1 ? 5 : n < 6 ? n + 1 : null),
      // page 2 arrived first and named page 3, requested for nothing as well
      answers: [2, 1, 5, 6],
      fail: [],
      out: [1, 5, 6],
      requested: [1, 2, 3, 5, 6, 7],
    },
  ])('$name', async ({ last, nextOf, answers, fail, out, requested }) => {
    const api = fakeApi(last, nextOf);
    const queue = predicted(api);
    queue.start({ token: 1 });
    expect(api.requested).toEqual([1, 2]);
    const drained = drain(queue);
    for (const n of answers) {
      await flush();
      if (api.requested.includes(n)) await api.answer(n, (fail as number[]).includes(n) ? 'HTTP 404' : undefined);
    }
    expect(await drained).toEqual(out);
    expect(api.requested).toEqual(requested);
    expect(queue.ended).toBe(true);
  });
});
