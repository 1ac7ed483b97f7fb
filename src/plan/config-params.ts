/**
 * `dlt.config["name"]` values: the importer turns them into `{ "$param": "name" }` and planning
 * fills them from the `--param` source parameters, before anything else reads the config. Pure.
 */
import type { ParamRef, SourceConfig } from '../config/schema';
import { ConfigError } from '../errors';
import { mapJson, type JsonAt } from './json-walk';
import type { Json } from './types';

const isParamRef = (v: unknown): v is ParamRef =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as ParamRef).$param === 'string';

/** A config path (`resources[2].endpoint`, `client.base_url`) from keys and indexes. */
function configPath(at: JsonAt): string {
  let path = '';
  for (const key of at) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (!/^[A-Za-z_$][\w$]*$/.test(key)) path += `[${JSON.stringify(key)}]`;
    else path += path === '' ? key : `.${key}`;
  }
  return path;
}

/** The config with `$param` references filled; throws a ConfigError naming a missing one. */
export function fillParamRefs(config: SourceConfig, params: Record<string, string>): SourceConfig {
  return mapJson(config as unknown as Json, (node, at) => {
    if (!isParamRef(node)) return undefined;
    if (Object.hasOwn(params, node.$param)) return params[node.$param];
    throw new ConfigError(`dlt.config["${node.$param}"] has no value; pass --param ${node.$param}=value`, configPath(at));
  }) as unknown as SourceConfig;
}

/** A config string after `fillParamRefs`: the schema's `string | $param` narrowed to string. */
export function textOf(value: string | ParamRef): string {
  if (typeof value === 'string') return value;
  throw new ConfigError(`dlt.config["${value.$param}"] was not filled in`);
}
