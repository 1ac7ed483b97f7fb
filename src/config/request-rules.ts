/**
 * Rules of the request side that both the schema and the plan apply, kept free of the expression
 * library so the workflow bundle (which plans) does not carry it. Pure.
 */

/** A config value as JSON, cut to 80 characters: how messages quote what the config gave. */
export function quoteJson(v: unknown): string {
  const t = JSON.stringify(v) ?? String(v);
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

/** Python's truth test, which dlt's client applies to json and data. */
function pyTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** The sentence refusing a json body and a data body together, or undefined when at most one is set (also checked after resource_defaults merge). */
export function jsonDataProblem(json: unknown, data: unknown): string | undefined {
  if (!pyTruthy(json) || !pyTruthy(data)) return undefined;
  return `set json or data, not both (dlt's client refuses a request with both): json ${quoteJson(json)}, data ${quoteJson(data)}`;
}

/** Seconds of an ISO 8601 duration (years and months as 365 and 30 days), or undefined when `s` is none. */
export function isoDurationSeconds(s: string): number | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(\d+(?:\.\d+)?S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) return undefined;
  const [y, mo, w, d, h, mi, sec] = m.slice(1).map((x) => parseFloat(x ?? '0'));
  return (((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + sec;
}
