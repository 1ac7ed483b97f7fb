/**
 * `dlt.config["name"]` values: the importer turns them into `{ "$param": "name" }` and planning
 * fills them from the `--param` source parameters, before anything else reads the config. Pure.
 */
import type { ParamRef, SourceConfig } from '../config/schema';
import { ConfigError } from '../errors';

const isParamRef = (v: unknown): v is ParamRef =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as ParamRef).$param === 'string';

/** Extends a config path (`resources[2]`, `client.base_url`) by one key. */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return path === '' ? name : name.startsWith('[') ? `${path}${name}` : `${path}.${name}`;
}

/** Deep copy of `value` with every `$param` reference replaced by its source parameter. */
function fill(value: unknown, params: Record<string, string>, path: string): unknown {
  if (isParamRef(value)) {
    if (Object.hasOwn(params, value.$param)) return params[value.$param];
    throw new ConfigError(`dlt.config["${value.$param}"] has no value; pass --param ${value.$param}=value`, path);
  }
  if (Array.isArray(value)) return value.map((v, i) => fill(v, params, childPath(path, i)));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, params, childPath(path, k))]));
  }
  return value;
}

/** The config with `$param` references filled; throws a ConfigError naming a missing one. */
export function fillParamRefs(config: SourceConfig, params: Record<string, string>): SourceConfig {
  return fill(config, params, '') as SourceConfig;
}

/** A config string after `fillParamRefs`: the schema's `string | $param` narrowed to string. */
export function textOf(value: string | ParamRef): string {
  if (typeof value === 'string') return value;
  throw new ConfigError(`dlt.config["${value.$param}"] was not filled in`);
}
