/**
 * Decides what each placeholder of a resource's request is: a `--param` value (substituted now),
 * a field of a parent resource (a ParentField, filled per parent record at run time), or an
 * incremental value (left for the runtime). Parents come from dlt's `resolve` params and
 * `{resources.<parent>.<field>}` placeholders, or are inferred when the path segment before a
 * placeholder names another resource (`/projects/{project}/env`). Pure.
 */
import { ConfigError } from '../errors';
import { headersOf } from './client';
import type { MergedResource } from './merge';
import { escapeBraces, findPlaceholders, mapJsonStrings, replacePlaceholders, segmentBefore, type Placeholder } from './placeholders';
import type { Json, MaybeSecret, ParentField } from './types';

/** An incremental binding written as a query param: `{"type": "incremental", "cursor_path": ...}`. */
export interface IncrementalParam {
  param: string;
  cursor_path: string;
  initial_value?: Json;
  end_value?: Json;
  range_start?: 'open' | 'closed';
  range_end?: 'open' | 'closed';
  on_cursor_value_missing?: 'raise' | 'include' | 'exclude';
  last_value_func?: 'max' | 'min';
  lag?: number;
  primary_key?: string | string[];
  row_order?: 'asc' | 'desc';
  allow_external_schedulers?: boolean;
  per_parent?: boolean;
}

export interface ResolvedRequest {
  path: string;
  params: Record<string, Json>;
  /** the endpoint's headers, placeholders decided like the params' (secret references untouched) */
  headers: Record<string, MaybeSecret>;
  json?: Json;
  parent?: string;
  fields: ParentField[];
  incrementalParam?: IncrementalParam;
}

interface Site {
  location: ParentField['location'];
  param?: string;
  configPath: string;
  /** the full path string, for inferring a parent from the segment before the placeholder */
  path?: string;
}

const keyPath = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/** The first primary key column of a parent, or `id` when it has none (what APIs key records by). */
function primaryField(parent: MergedResource): string {
  const pk = parent.config.primary_key;
  const first = Array.isArray(pk) ? pk[0] : pk;
  return first ?? 'id';
}

/** Resolution state of one resource's placeholders. */
class Resolver {
  readonly fields: ParentField[] = [];
  readonly parents = new Set<string>();

  constructor(
    private readonly self: MergedResource,
    private readonly all: Map<string, MergedResource>,
    private readonly params: Record<string, string>,
    private readonly incremental: boolean,
  ) {}

  fail(message: string, configPath: string): never {
    throw new ConfigError(`resource "${this.self.name}": ${message}`, configPath);
  }

  /** Records a parent field once per site; the parent must exist and not be the resource itself. */
  addField(parent: string, field: string, placeholder: string, inferred: boolean, site: Site): void {
    if (!this.all.has(parent)) this.fail(`{${placeholder}} refers to "${parent}", which is not a resource of this source`, site.configPath);
    if (parent === this.self.name) this.fail(`{${placeholder}} makes the resource its own parent`, site.configPath);
    this.parents.add(parent);
    const dup = this.fields.some((f) => f.placeholder === placeholder && f.location === site.location && f.param === site.param);
    if (!dup) this.fields.push({ placeholder, location: site.location, ...(site.param ? { param: site.param } : {}), field, inferred });
  }

  /** The text that replaces placeholder `p` at `site`. */
  decide(p: Placeholder, site: Site): string {
    if (p.kind === 'config') return this.param(p, site);
    if (p.name.startsWith('resources.')) return this.explicitParent(p, site);
    if (p.name.startsWith('incremental.')) {
      if (this.incremental) return p.raw;
      return this.fail(`{${p.name}} needs endpoint.incremental (or an incremental param)`, site.configPath);
    }
    if (p.name.includes('.')) {
      return this.fail(`{${p.name}} is not a valid placeholder: use a --param name, {resources.<parent>.<field>} or {incremental.start_value}`, site.configPath);
    }
    return this.simple(p, site);
  }

  private explicitParent(p: Placeholder, site: Site): string {
    const [, parent, ...field] = p.name.split('.');
    if (field.length === 0) this.fail(`{${p.name}} must have the form {resources.<parent>.<field>}`, site.configPath);
    this.addField(parent, field.join('.'), p.name, false, site);
    return `{${p.name}}`;
  }

  private param(p: Placeholder, site: Site): string {
    if (Object.hasOwn(this.params, p.name)) return escapeBraces(this.params[p.name]);
    return this.fail(
      `placeholder ${p.raw} is neither a source parameter nor a parent resource field; pass --param ${p.name}=value`,
      site.configPath,
    );
  }

  /** The resource named by the path segment before `p`, when that is another resource. */
  private inferredParent(p: Placeholder, site: Site): MergedResource | undefined {
    const segment = site.path !== undefined ? segmentBefore(site.path, p) : undefined;
    return segment !== undefined && segment !== this.self.name ? this.all.get(segment) : undefined;
  }

  private simple(p: Placeholder, site: Site): string {
    const given = Object.hasOwn(this.params, p.name);
    const parent = this.inferredParent(p, site);
    if (!parent && p.kind === 'partition' && !given) {
      this.fail(
        `cannot tell which resource ${p.raw} refers to: the path segment before it names no other resource; write {resources.<parent>.<field>}`,
        site.configPath,
      );
    }
    if (!parent) return this.param(p, site);
    const field = primaryField(parent);
    if (given && !this.parentTakesSameParam(parent, p.name)) {
      this.fail(
        `${p.raw} is ambiguous: it is the source parameter --param ${p.name}, and the path segment before it names the resource "${parent.name}". ` +
          `Remove --param ${p.name} to read it from each "${parent.name}" record, or write {resources.${parent.name}.${field}} to say so explicitly`,
        site.configPath,
      );
    }
    this.addField(parent.name, field, p.name, true, site);
    return `{${p.name}}`;
  }

  /** A parent fetched with the same `--param` placeholder yields that value: not ambiguous. */
  private parentTakesSameParam(parent: MergedResource, name: string): boolean {
    return findPlaceholders(parent.endpoint.path).some((q) => q.kind === 'format' && q.name === name);
  }

  /** Substitutes or records every placeholder of a string at `site`. */
  text(s: string, site: Site): string {
    return replacePlaceholders(s, (p) => this.decide(p, site));
  }
}

type Binding = { type: 'resolve'; resource: string; field: string } | ({ type: 'incremental' } & Omit<IncrementalParam, 'param'>);
const bindingOf = (v: unknown): Binding | undefined =>
  typeof v === 'object' && v !== null && ['resolve', 'incremental'].includes((v as { type?: string }).type ?? '') ? (v as Binding) : undefined;

/** Splits params into plain values, resolve bindings and (at most one) incremental binding. */
function splitParams(r: MergedResource) {
  const plain: Record<string, Json> = {};
  const resolve = new Map<string, { resource: string; field: string }>();
  const incremental: IncrementalParam[] = [];
  for (const [k, v] of Object.entries(r.endpoint.params ?? {})) {
    const b = bindingOf(v);
    if (b?.type === 'resolve') resolve.set(k, { resource: b.resource, field: b.field });
    else if (b?.type === 'incremental') incremental.push({ ...b, param: k });
    else plain[k] = v as Json;
  }
  if (incremental.length + (r.endpoint.incremental ? 1 : 0) > 1) {
    throw new ConfigError(`resource "${r.name}": only one incremental binding is allowed per endpoint`, `resources[${r.index}].endpoint.params`);
  }
  return { plain, resolve, incremental: incremental[0] };
}

/** Resolves the path, params and json of one resource against params and the other resources. */
export function resolveRequest(r: MergedResource, all: Map<string, MergedResource>, params: Record<string, string>): ResolvedRequest {
  const { plain, resolve, incremental } = splitParams(r);
  const resolver = new Resolver(r, all, params, incremental !== undefined || r.endpoint.incremental !== undefined);
  const at = `resources[${r.index}].endpoint`;
  const pathSite: Site = { location: 'path', configPath: `${at}.path`, path: r.endpoint.path };
  const path = replacePlaceholders(r.endpoint.path, (p) => {
    const bound = Object.hasOwn(plain, p.name) ? plain[p.name] : undefined;
    if (p.kind === 'format' && bound !== undefined && (typeof bound !== 'object' || bound === null)) {
      delete plain[p.name];
      return escapeBraces(String(bound));
    }
    const binding = resolve.get(p.name);
    if (p.kind === 'format' && binding) {
      resolve.delete(p.name);
      resolver.addField(binding.resource, binding.field, p.name, false, pathSite);
      return `{${p.name}}`;
    }
    return resolver.decide(p, pathSite);
  });
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(plain)) {
    const site: Site = { location: 'params', param: k, configPath: `${at}.params${keyPath(k)}` };
    out[k] = mapJsonStrings(v, (s) => resolver.text(s, site));
  }
  for (const [k, b] of resolve) {
    // validation refuses these (dlt does); plans of workflows started before that still bind them as query params
    resolver.addField(b.resource, b.field, k, false, { location: 'params', param: k, configPath: `${at}.params${keyPath(k)}` });
    out[k] = `{${k}}`;
  }
  const headers: Record<string, MaybeSecret> = {};
  for (const [k, v] of Object.entries(headersOf(r.endpoint.headers))) {
    headers[k] = typeof v === 'string' ? resolver.text(v, { location: 'headers', param: k, configPath: `${at}.headers${keyPath(k)}` }) : v;
  }
  const jsonSite: Site = { location: 'json', configPath: `${at}.json` };
  const json = r.endpoint.json === undefined ? undefined : mapJsonStrings(r.endpoint.json as Json, (s) => resolver.text(s, jsonSite));
  if (resolver.parents.size > 1) {
    resolver.fail(`placeholders come from more than one parent (${[...resolver.parents].join(', ')}); dlt allows one parent per resource`, at);
  }
  const parent = resolver.parents.values().next().value;
  return { path, params: out, headers, ...(json !== undefined ? { json } : {}), parent, fields: resolver.fields, incrementalParam: incremental };
}
