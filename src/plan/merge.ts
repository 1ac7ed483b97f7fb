/**
 * dlt's resource expansion and `resource_defaults` merge: string shorthand becomes
 * `{name, endpoint: {path: name}}`, a missing path is the resource name, and defaults merge the way
 * dlt's `_merge_resource_endpoints` does: resource keys replace default keys, the endpoint merges
 * key by key, and only `params`, `json` and `columns` merge one level deeper. Pure.
 */
import type { EndpointConfig, ResourceConfig, ResourceDefaultsConfig, SourceConfig } from '../config/schema';
import { ConfigError } from '../errors';
import { textOf } from './config-params';

/** An endpoint after expansion: always an object with a path. */
export type MergedEndpoint = Omit<EndpointConfig, 'path'> & { path: string };

/** A resource after expansion and merge, with where it sits in the config (for error paths). */
export interface MergedResource {
  index: number;
  name: string;
  config: Omit<ResourceConfig, 'endpoint'>;
  endpoint: MergedEndpoint;
  /** true when the resource's own endpoint sets a paginator (not resource_defaults) */
  ownPaginator: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** String shorthand and `endpoint: "path"` shorthand, expanded. */
function expand(entry: SourceConfig['resources'][number]): ResourceConfig & { endpoint: EndpointConfig } {
  if (typeof entry === 'string') return { name: entry, endpoint: { path: entry } };
  const endpoint = typeof entry.endpoint === 'string' ? { path: entry.endpoint } : { ...(entry.endpoint ?? {}) };
  return { ...entry, endpoint };
}

/** Endpoint merge: own keys win; params and json dicts merge one level. */
function mergeEndpoint(defaults: EndpointConfig, own: EndpointConfig, name: string): MergedEndpoint {
  const merged: EndpointConfig = { ...defaults, ...own };
  if (own.params && defaults.params) merged.params = { ...defaults.params, ...own.params };
  if (isObject(own.json) && isObject(defaults.json)) merged.json = { ...defaults.json, ...own.json };
  return { ...merged, path: textOf(merged.path ?? name) };
}

/** Column hints merge per column, the resource's hints winning (dlt's merge_columns). */
function mergeColumns(defaults: ResourceConfig['columns'], own: ResourceConfig['columns']): ResourceConfig['columns'] {
  if (!defaults || !own) return own ?? defaults;
  const asRecord = (c: NonNullable<ResourceConfig['columns']>) =>
    Array.isArray(c) ? Object.fromEntries(c.map((col) => [col.name, col])) : c;
  const base = asRecord(defaults);
  const mine = asRecord(own);
  const names = [...new Set([...Object.keys(base), ...Object.keys(mine)])];
  return Object.fromEntries(names.map((n) => [n, { ...base[n], ...mine[n] }]));
}

/** One resource merged with the defaults. */
function mergeResource(entry: SourceConfig['resources'][number], index: number, defaults: ResourceDefaultsConfig): MergedResource {
  const own = expand(entry);
  const { endpoint: defaultEndpoint, ...defaultRest } = defaults;
  const { endpoint: ownEndpoint, ...ownRest } = own;
  const config = { ...defaultRest, ...ownRest, columns: mergeColumns(defaultRest.columns, ownRest.columns) };
  const endpoint = mergeEndpoint(defaultEndpoint ?? {}, ownEndpoint, own.name);
  return { index, name: own.name, config, endpoint, ownPaginator: ownEndpoint.paginator != null };
}

/** All resources of a source, expanded and merged; resource names must be unique, as in dlt. */
export function mergeResources(config: SourceConfig): MergedResource[] {
  const seen = new Set<string>();
  return config.resources.map((entry, index) => {
    const merged = mergeResource(entry, index, config.resource_defaults ?? {});
    if (seen.has(merged.name)) {
      throw new ConfigError(`resource "${merged.name}" is defined more than once`, `resources[${index}].name`);
    }
    seen.add(merged.name);
    return merged;
  });
}
