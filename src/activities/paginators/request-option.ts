import { ConfigError } from '../../errors';
import type { Json, RequestOption } from '../../plan/types';
import { getPath, setPath } from '../json-path';
import type { RequestSpec } from './types';

export { getPath };

/**
 * Puts `value` where `opt` says, returning a new request (the input is not modified):
 * - `query`: `params[name] = value`;
 * - `header`: `headers[name]` = the value as a string (strings as is, anything else as JSON);
 * - `body`: sets the dot path `name` in `json`, creating objects on the way;
 * - `path`: replaces `{name}` in the URL with the URL-encoded value.
 */
export function applyRequestOption(req: RequestSpec, opt: RequestOption, value: Json): RequestSpec {
  switch (opt.in) {
    case 'query':
      return { ...req, params: { ...req.params, [opt.name]: value } };
    case 'header':
      return { ...req, headers: { ...req.headers, [opt.name]: asString(value) } };
    case 'body':
      try {
        return { ...req, json: setPath(req.json, opt.name, value) as Json };
      } catch (e) {
        throw new ConfigError((e as Error).message);
      }
    case 'path': {
      const placeholder = `{${opt.name}}`;
      if (!req.url.includes(placeholder)) {
        throw new ConfigError(`path placeholder ${placeholder} not found in URL "${req.url}"`);
      }
      return { ...req, url: req.url.split(placeholder).join(encodeURIComponent(asString(value))) };
    }
    default:
      throw new ConfigError(`unknown request option location "${(opt as RequestOption).in}"`);
  }
}

function asString(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `{ in: 'body', name: bodyPath }` when a body path is set, else `{ in: 'query', name: param }`. */
export function queryOrBody(param: string, bodyPath: string | undefined): RequestOption {
  return bodyPath ? { in: 'body', name: bodyPath } : { in: 'query', name: param };
}
