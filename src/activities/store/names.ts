import { shortenIdentifier, snakeIdentifier, snakePath } from './snake-case';

/**
 * A table or column name, exactly as dlt's snake_case naming (Postgres destination) makes it:
 * `createdAt` → `created_at`, `e-mail@` → `e_mailax`, `size_` → `sizex`, `a__b` stays a nested
 * path `a__b`, over 63 characters → head + hash tag + tail. A blank name, for which dlt has no
 * identifier, becomes `_`, a name dlt never produces.
 */
export function normalizeName(raw: string): string {
  return snakePath(raw) || '_';
}

/** A single identifier, as dlt names a dataset's schema: `__` is not a path here but one `_`. */
export function normalizeIdentifier(raw: string): string {
  return snakeIdentifier(raw) || '_';
}

/** Keeps a derived name (`<table>_pkey`, `<column>_2`) within 63 bytes, the way dlt shortens. */
export function shorten(name: string): string {
  return shortenIdentifier(name, name);
}

/**
 * One key of a nested object as dlt names it inside a flattened path (its `normalize_path`): a
 * blank key is `_empty`, dlt's `EMPTY_KEY_IDENTIFIER`.
 */
export function fragmentName(key: string): string {
  return snakePath(key) || '_empty';
}

/**
 * dlt's `shorten_fragments`: normalized names joined into a path (`users__tags`, `address__city`),
 * shortened within 63 bytes with a tag hashed from the joined path.
 */
export function shortenFragments(fragments: readonly string[]): string {
  const path = fragments.join('__');
  return shortenIdentifier(path, path);
}

/** A double-quoted SQL identifier: every name from API data or config goes through here. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Normalized names, cached: the same keys repeat on every record of every page. One per set of
 * activities (createActivities), bounded to 100 000 names.
 */
export class NameCache {
  private readonly normalized = new Map<string, string>();

  name(key: string): string {
    let n = this.normalized.get(key);
    if (n === undefined) {
      n = normalizeName(key);
      if (this.normalized.size < 100_000) this.normalized.set(key, n);
    }
    return n;
  }
}

/**
 * A page's names: the worker's cache, plus the names of flattened paths (`a__b` from
 * `{"a": {"b": 1}}`), which dlt builds from the parts' names rather than from the joined key.
 */
export class PathNames extends NameCache {
  constructor(
    private readonly inner: NameCache,
    private readonly paths: ReadonlyMap<string, string>,
  ) {
    super();
  }

  override name(key: string): string {
    return this.paths.get(key) ?? this.inner.name(key);
  }
}

/** Two record keys that normalize to one name: the later one got a suffixed column. */
export interface NameCollision {
  key: string;
  /** the key that holds the plain name */
  holder: string | null;
  column: string;
}

/**
 * Which column each record key goes to. Keys that normalize to the same name (`a b` and `a_b`,
 * `Name` and `name`) must not share a column, or one value would silently overwrite the other:
 * the first key seen takes the name, later ones `name_1`, `name_2`, ... Each column a page
 * creates records its key (see {@link ownerComment}), and the mapping starts from those, so once
 * a table exists a key keeps its column in every later page and run. A column without a recorded
 * key (a table from an older version, a primary key column created empty) goes to the first key
 * that asks for it.
 */
export class ColumnNames {
  private readonly columnOf = new Map<string, string>();
  private readonly keyOf = new Map<string, string | null>();
  readonly collisions: NameCollision[] = [];

  /** `owners`: the table's columns and the key each was created for (null: not recorded). */
  constructor(
    owners?: ReadonlyMap<string, string | null>,
    private readonly cache = new NameCache(),
  ) {
    for (const [column, key] of owners ?? []) {
      this.keyOf.set(column, key);
      if (key !== null && !this.columnOf.has(key)) this.columnOf.set(key, column);
    }
  }

  column(key: string): string {
    const known = this.columnOf.get(key);
    if (known !== undefined) return known;
    const base = this.cache.name(key);
    let column = base;
    for (let i = 1; !this.free(column, key); i++) column = shorten(`${base}_${i}`);
    if (column !== base) this.collisions.push({ key, holder: this.keyOf.get(base) ?? null, column });
    this.keyOf.set(column, key);
    this.columnOf.set(key, column);
    return column;
  }

  /** The key a column holds, as far as known. */
  keyFor(column: string): string | null {
    return this.keyOf.get(column) ?? null;
  }

  private free(column: string, key: string): boolean {
    const holder = this.keyOf.get(column);
    return holder === undefined || holder === null || holder === key;
  }
}

const OWNER_PREFIX = 'rest-sync key: ';

/**
 * The column comment recording which record key a column holds: the key as a JSON string, its
 * `?` escaped too (knex would read a bare `?` in a statement as a parameter).
 */
export function ownerComment(key: string): string {
  return `${OWNER_PREFIX}${JSON.stringify(key).replace(/\?/g, '\\u003f')}`;
}

/** The record key a column comment names, or null for no comment or someone else's. */
export function ownerFromComment(comment: string | null | undefined): string | null {
  if (!comment?.startsWith(OWNER_PREFIX)) return null;
  try {
    const key: unknown = JSON.parse(comment.slice(OWNER_PREFIX.length));
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}

/** An escape-string SQL literal: the same text whatever the server's standard_conforming_strings. */
export function quoteLiteral(text: string): string {
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
