/**
 * Schemas of the request side that dlt's rest_api has beyond query params: `data` bodies (a form
 * or a raw string), `processing_steps` (declarative filter / map), and the token auths users ask
 * dlt for: OAuth2's refresh-token grant and Airbyte's session-token login. Pure.
 */
import { z } from 'zod';
import { expressionProblem } from './expression';
import { quoteBrief } from './json-path-syntax';
import { isoDurationSeconds, jsonDataProblem, quoteJson } from './request-rules';
import { bounded, jsonPath, optStr, refused, secretText, strict, text } from './schema-parts';

const formScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const formBody = z.record(z.string(), z.union([formScalar, z.array(formScalar)]));

/**
 * dlt's `data` (requests' `data=`): an object is sent form-encoded (a list value repeats its key,
 * null is left out), a string is sent as it is. Anything else is refused quoting it.
 */
export const dataBodySchema = z
  .unknown()
  .superRefine((v, ctx) => {
    if (typeof v !== 'string' && !formBody.safeParse(v).success) {
      ctx.addIssue({ code: 'custom', message: `expected a form (an object of strings, numbers, booleans or lists of them) or a raw string, got ${quoteJson(v)}`, abort: true });
    }
  })
  .pipe(z.union([z.string(), formBody]));

/** dlt's RESTClient refuses a request with both a json and a data body; so does `validate`, naming both. */
export function jsonDataRule(e: { json?: unknown; data?: unknown }, ctx: z.RefinementCtx): void {
  const problem = jsonDataProblem(e.json, e.data);
  if (problem) ctx.addIssue({ code: 'custom', path: ['data'], message: problem });
}

const expression = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    if (/^\s*lambda\b/.test(source)) {
      ctx.addIssue({ code: 'custom', message: `${quoteJson(source)} is a Python lambda: write a JSONata expression, or let \`rest-sync import\` translate the Python config` });
      return;
    }
    const problem = expressionProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const processingStep = strict(
  {
    filter: expression.optional(),
    map: expression.optional(),
    yield_map: refused('a yield_map (one record into many) needs a Python function; load the records and unnest them with SQL').optional(),
  },
  {
    filter: 'a JSONata expression over the record ($); the record loads when it is true (Python truth: null, false, 0, "", [] and {} drop it)',
    map: 'a JSONata expression over the record ($) that yields the new record, e.g. $merge([$, {"a": b}]); null drops it',
    yield_map: 'not supported: a Python generator',
  },
).refine((s) => s.filter !== undefined || s.map !== undefined || s.yield_map !== undefined, { message: 'a processing step needs filter or map' });

/** dlt's processing_steps: applied in order to each record after selection (and the incremental window). */
export const processingStepsSchema = z.array(processingStep);

const loginRequester = strict(
  {
    url: text.optional(),
    path: text.optional(),
    http_method: z.enum(['POST', 'GET', 'post', 'get']).optional(),
    request_body_json: z.record(z.string(), z.union([secretText, z.json()])).optional(),
    request_body_data: z.record(z.string(), secretText).optional(),
    request_headers: z.record(z.string(), secretText).optional(),
  },
  {
    url: 'the login URL (absolute); or path',
    path: 'the login path relative to client.base_url',
    http_method: 'POST (default) or GET',
    request_body_json: 'the login request\'s JSON body; values may be {"$secret": "name"}',
    request_body_data: 'the login request\'s form body; values may be {"$secret": "name"}',
    request_headers: 'headers of the login request; values may be {"$secret": "name"}',
  },
).refine((r) => (r.url === undefined) !== (r.path === undefined), { message: 'set url or path (one of them)' })
  .refine((r) => r.request_body_json === undefined || r.request_body_data === undefined, { message: 'set request_body_json or request_body_data, not both', path: ['request_body_data'] });

const injectInto = strict(
  { inject_into: z.enum(['header', 'request_parameter']), field_name: z.string().min(1) },
  { inject_into: 'header or request_parameter (a query param)', field_name: 'the header or query param name' },
);

const requestAuthentication = z.discriminatedUnion('type', [
  strict({ type: z.literal('Bearer') }, { type: 'Authorization: Bearer <session token>' }),
  strict(
    { type: z.literal('ApiKey'), inject_into: injectInto, api_token: optStr },
    { type: 'the session token as an API key', inject_into: 'where the token goes', api_token: 'the value sent, {{ session_token }} standing for the token (default: the token alone)' },
  ),
]);

/** An ISO 8601 duration (Airbyte's expiration_duration: PT1H, P1D, P1W) or seconds. */
const duration = z.union([
  bounded(0, 31_536_000, 'a duration (seconds)', { exclusiveMin: true }),
  z.string().superRefine((s, ctx) => {
    if (isoDurationSeconds(s) === undefined) ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 duration such as PT1H or P1D, got ${quoteBrief(s)}` });
  }),
]);

export const sessionTokenAuth = strict(
  {
    type: z.literal(['session_token', 'SessionTokenAuthenticator']),
    login_requester: loginRequester,
    session_token_path: z.union([jsonPath, z.array(z.string().min(1)).min(1)]),
    expiration_duration: duration.optional(),
    request_authentication: requestAuthentication.optional(),
  },
  {
    type: "a session token from a login request (Airbyte's SessionTokenAuthenticator)",
    login_requester: 'the login request: url or path, http_method, request_body_json / request_body_data, request_headers',
    session_token_path: 'where the token is in the login response: a key list (["result", "token"]) or a JSONPath',
    expiration_duration: 'how long a token lives: ISO 8601 (PT1H) or seconds; unset: a login before every request (as Airbyte)',
    request_authentication: '{"type": "Bearer"} (default) or {"type": "ApiKey", "inject_into": {"inject_into": "header", "field_name": "X-Session"}}',
  },
);

export const oauth2RefreshTokenAuth = strict(
  {
    type: z.literal('oauth2_refresh_token'),
    access_token_url: text,
    client_id: secretText,
    client_secret: secretText.optional(),
    refresh_token: secretText,
    access_token_request_data: z.record(z.string(), z.json()).optional(),
    default_token_expiration: bounded(0, 31_536_000, 'a token lifetime (seconds)', { exclusiveMin: true }).optional(),
  },
  {
    type: "OAuth2's refresh-token grant: an access token obtained with a long-lived refresh token",
    access_token_url: 'the token endpoint (Airbyte: token_refresh_endpoint)',
    client_id: 'client id: a string or {"$secret": "name"}',
    client_secret: 'client secret: a string or {"$secret": "name"} (public clients have none)',
    refresh_token: 'the refresh token: a string or {"$secret": "name"}',
    access_token_request_data: 'extra form fields of the token request (scope, ...)',
    default_token_expiration: 'seconds an access token lives when the answer does not say (default 3600)',
  },
);
