import { PaginationLoopError } from '../../errors';
import { describeToken } from '../paginators';
import { advance, positionText, type Position } from './position';
import type { Fetched } from './source';

/** A page requested ahead of the commits: its position, and its result once the request settled. */
interface Ahead {
  pos: Position;
  page: Promise<Fetched>;
  /** the page arrived (undefined while in flight or when it failed) */
  ready?: Fetched;
  /** the request settled (arrived or failed) */
  settled?: boolean;
  /** the position requested after it before it arrived (a predicted one): its own next page, as the cycle check sees it */
  after?: string;
  /** requested on a prediction the page before it contradicted: never taken */
  dropped?: boolean;
}

/** What the queue needs from the activity call: a fetch, and whether one more page may be requested. */
export interface QueueDeps {
  /** fetches the page at `pos`; `where` names it in errors */
  fetch(pos: Position, where: string): Promise<Fetched>;
  /** whether a page `ahead` pages after the last committed one is still within the window */
  within(ahead: number): boolean;
  /** names the page at `pos` (`ahead` after the last committed one) in errors */
  where(pos: Position, ahead: number): string;
  /** the position after `pos` unless the page at `pos` is the last (see PageSource.predict) */
  predict?(pos: Position): Position;
}

/**
 * The pages of one position chain (a root resource's stream, or one parent record's pages),
 * requested ahead of the commits: each page's token gives the next page's request as soon as it
 * arrives, up to `depth` pages that are not yet committed. A slow commit thereby finds the next
 * pages fetched and may commit them together (see batches); a slow API still sees one request of
 * the chain at a time. Pages come out in order; a failed request surfaces when its turn comes, after
 * the pages before it.
 *
 * With `predict` (a parallel window, whose page positions are known in advance), up to `inFlight`
 * requests of the chain are sent at once, each on the position predicted from the one before it;
 * a page that ends the chain (or names another next page) drops the requests after it, which the
 * API has then answered for nothing.
 */
export class PageQueue {
  private readonly items: Ahead[] = [];
  /** pages taken out but not yet committed */
  private taken = 0;
  /** the position after the last requested page, held back while the queue is full */
  private held?: Position;
  /** `held` was predicted, not named by an arrived page */
  private heldPredicted = false;
  /** the last page requested */
  private last?: Ahead;
  /** positions requested in this call (see checked) */
  private readonly seen = new Set<string>();

  constructor(
    private readonly deps: QueueDeps,
    private readonly depth: number,
    private readonly inFlight = 1,
  ) {}

  /** Starts a chain at `pos` (the queue is empty: the previous chain ended). */
  start(pos: Position): void {
    this.request(pos);
    this.resume();
  }

  /** Nothing requested or held: the chain ended (a held page means the window did). */
  get ended(): boolean {
    return this.items.length === 0 && this.held === undefined;
  }

  /** The next page in order, waiting for it; undefined when none is requested (see `ended`). A failed request throws here. */
  async next(): Promise<{ pos: Position; page: Fetched } | undefined> {
    this.resume();
    const head = this.items[0];
    if (!head) return undefined;
    const page = await head.page;
    return this.take(page);
  }

  /** The next page if it has arrived already (never a failed one), without waiting. */
  ready(): { pos: Position; page: Fetched } | undefined {
    const head = this.items[0];
    return head?.ready ? this.take(head.ready) : undefined;
  }

  /** `n` taken pages were committed (or dropped): room for more requests. */
  committed(n: number): void {
    this.taken -= n;
    this.resume();
  }

  private take(page: Fetched): { pos: Position; page: Fetched } {
    const { pos } = this.items.shift()!;
    this.taken += 1;
    return { pos, page };
  }

  private get outstanding(): number {
    return this.items.length + this.taken;
  }

  private request(pos: Position): void {
    const ahead = this.outstanding;
    const text = positionText(pos);
    this.seen.add(text);
    if (this.last && !this.last.settled) this.last.after = text;
    // named when requested: the committed count moves on while the request is in flight
    const where = this.deps.where(pos, ahead);
    const item = { pos } as Ahead;
    item.page = this.deps.fetch(pos, where).then((page) => this.checked(item, page, where));
    item.page.then(
      (page) => {
        item.ready = page;
        item.settled = true;
        this.follow(item, page);
      },
      () => void (item.settled = true), // awaited in next(), or dropped when the window ends first
    );
    this.items.push(item);
    this.last = item;
  }

  private get pending(): number {
    return this.items.reduce((n, i) => n + (i.settled ? 0 : 1), 0);
  }

  /**
   * An API whose tokens cycle (A → B → A) never repeats the current token, so the paginators'
   * loop guard misses it: a page whose next position was requested before in this window fails,
   * and is not committed. Windows are hundreds of pages by default; a longer cycle is not detected.
   */
  private checked(item: Ahead, page: Fetched, where: string): Fetched {
    const next = advance(item.pos, page.next);
    const text = next && positionText(next);
    if (next && text !== item.after && this.seen.has(text!)) {
      throw new PaginationLoopError(`${where}: pagination cycles: ${describeToken(next.token)} was fetched before in this window`);
    }
    return page;
  }

  /**
   * After a page arrived: the next page of its chain (each page has at most one) is requested, or
   * held while the queue is full. When a page was requested after it on a prediction that the
   * page now contradicts (it was the last, or names another next page), that request and those
   * after it are dropped.
   */
  private follow(item: Ahead, page: Fetched): void {
    if (item.dropped) return;
    const next = advance(item.pos, page.next);
    const text = next && positionText(next);
    if (item === this.last) {
      // nothing requested after it: the held position, if any, was predicted from it
      this.held = next;
      this.heldPredicted = false;
    } else if (item.after !== text) {
      for (const d of this.items.splice(this.items.indexOf(item) + 1)) d.dropped = true;
      this.last = item;
      this.held = next;
      this.heldPredicted = false;
    }
    this.resume();
  }

  /**
   * Requests the held position when there is room in the queue and the window; with `predict`,
   * first predicts it from the last page requested while fewer than `inFlight` requests are out.
   */
  private resume(): void {
    for (;;) {
      if (this.held === undefined) {
        const last = this.last;
        if (!this.deps.predict || !last || last.settled || this.pending >= this.inFlight) return;
        this.held = this.deps.predict(last.pos);
        this.heldPredicted = true;
      }
      if (this.outstanding >= this.depth || !this.deps.within(this.outstanding)) return;
      if (this.heldPredicted && this.pending >= this.inFlight) return;
      const next = this.held;
      this.held = undefined;
      this.request(next);
    }
  }
}
