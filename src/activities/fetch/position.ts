/**
 * Where the next page of a resource is, and how that is written down. A resource is walked as
 * one stripe: the whole of it, one lane of a parallelized child (every n-th parent record), or
 * one parallel window of an offset / page-number resource (every n-th page). Inside its stripe,
 * a position is the parent record (children only) and the paginator token within it.
 *
 * The stored encodings live here and nowhere else; they are read back from rows written by
 * running syncs, so they never change: state keys `name`, `name#<lane>`, `name#w<window>`, and a
 * child's token `{ p: { page, idx } | null, t: <token> }`.
 */
import type { Json } from '../../plan/types';

/** The share of a resource one activity call walks. */
export type Stripe =
  | { kind: 'whole' }
  | { kind: 'lane'; index: number; count: number }
  | { kind: 'window'; index: number; count: number; from: Json };

/** Position of a parent record among the parent's committed pages. */
export interface ParentKey {
  page: number;
  idx: number;
}

/** A parent record a child's pages belong to: its key and the fields the child needs. */
export interface ParentRecord {
  key: ParentKey;
  vals: Record<string, Json>;
}

/** Where the next page is: the page token, and for a child the parent record it belongs to. */
export interface Position {
  token: Json;
  parent?: ParentRecord;
}

/** A child's committed token, decoded: the parent record it was on (null before the first) and the token within it. */
export interface ChildToken {
  parent: ParentKey | null;
  token: Json;
}

/** The stripe of an activity input (`lane` / `window` are its wire form). */
export function stripeOf(input: { lane?: { index: number; count: number }; window?: { index: number; count: number; from: Json } }): Stripe {
  if (input.window) return { kind: 'window', ...input.window };
  if (input.lane) return { kind: 'lane', ...input.lane };
  return { kind: 'whole' };
}

/** The state row key of a stripe: `name`, `name#<lane>` or `name#w<window>`. */
export function stripeKey(resource: string, stripe: Stripe): string {
  if (stripe.kind === 'window') return `${resource}#w${stripe.index}`;
  if (stripe.kind === 'lane') return `${resource}#${stripe.index}`;
  return resource;
}

/** Every state row key of a resource that ran in `lanes` lanes or `windows` parallel windows (besides its own row). */
export function stripeKeys(resource: string, lanes = 1, windows = 0): string[] {
  const keys = lanes > 1 ? Array.from({ length: lanes }, (_, index) => stripeKey(resource, { kind: 'lane', index, count: lanes })) : [resource];
  for (let index = 0; index < windows; index++) keys.push(stripeKey(resource, { kind: 'window', index, count: windows, from: null }));
  return keys;
}

/** The other lanes or windows of a stripe's resource (none for a whole one). */
export function siblingStripes(stripe: Stripe): Stripe[] {
  if (stripe.kind === 'whole') return [];
  return Array.from({ length: stripe.count }, (_, index) => ({ ...stripe, index })).filter((s) => s.index !== stripe.index);
}

/** The prefix of a resource's window keys: the rest of such a key is the window's index. */
export function windowKeyPrefix(resource: string): string {
  return `${resource}#w`;
}

/** Where striped pages file their parent records: after the sequential ones. */
const STRIPED_PAGES = 2 ** 40;

/**
 * The ordinal of a page among all pages of the resource in this sync, unique across its windows
 * or lanes (stripe w's j-th page is the (j·count + w)-th striped page), so child resources find
 * every parent record exactly once, in the order the API gave them.
 */
export function pageOrdinal(stripe: Stripe, pages: number): number {
  return stripe.kind === 'whole' ? pages : STRIPED_PAGES + pages * stripe.count + stripe.index;
}

/** A child's state before its first page. */
export const CHILD_START: Json = { p: null, t: null };

/** The committed token after a page at `pos` whose paginator says `next` (null: this stream ended). */
export function encodeToken(pos: Position, next: Json | null, child: boolean): Json {
  return child ? { p: pos.parent ? { page: pos.parent.key.page, idx: pos.parent.key.idx } : null, t: next } : next;
}

/** A child's committed token as written by `encodeToken`. */
export function decodeChildToken(token: Json): ChildToken {
  const t = (token ?? {}) as { p?: ParentKey | null; t?: Json };
  return { parent: t.p ?? null, token: t.t ?? null };
}

/** A position as text, for the cycle guard. */
export function positionText(pos: Position): string {
  return JSON.stringify([pos.parent?.key ?? null, pos.token]);
}

/** The next position inside the same parent record (or root resource); undefined when the paginator ended. */
export function advance(pos: Position, next: Json | null): Position | undefined {
  return next === null ? undefined : { token: next, parent: pos.parent };
}

/** How far a child may follow its parent: every parent page below `before` is committed for good, or the parent ended. */
export type Frontier = { complete: true; pages: number } | { complete: false; pages: number; before: number; started: boolean };

/**
 * The parent's frontier from its stripes' state rows in this sync (see `parentStripes`). A
 * parent in lanes or parallel windows files stripe i's p-th page at ordinal
 * `STRIPED_PAGES + p·count + i`, so the lowest next ordinal of an unfinished stripe bounds what
 * can still come; its sequential first pages lie below all of those. The lanes or windows of a
 * resource claim their rows together, so `count` is the number of rows. `pages`: the committed
 * total, which moves whenever the parent makes progress.
 */
export function parentFrontier(parent: string, rows: { key: string; pages: number; done: boolean }[]): Frontier {
  const pages = rows.reduce((a, r) => a + r.pages, 0);
  const suffix = (key: string) => key.slice(parent.length + 1);
  const windows = rows.filter((r) => r.key !== parent && /^w\d+$/.test(suffix(r.key)));
  const lanes = rows.filter((r) => r.key !== parent && /^\d+$/.test(suffix(r.key)));
  const striped = windows.length > 0 ? windows : lanes;
  if (striped.length > 0) {
    const open = striped.filter((r) => !r.done);
    if (open.length === 0) return { complete: true, pages };
    const next = open.map((r) => STRIPED_PAGES + r.pages * striped.length + Number(suffix(r.key).replace('w', '')));
    return { complete: false, pages, before: Math.min(...next), started: true };
  }
  const whole = rows.find((r) => r.key === parent);
  if (whole?.done) return { complete: true, pages };
  return { complete: false, pages, before: whole?.pages ?? 0, started: whole !== undefined };
}
