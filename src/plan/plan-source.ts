import { parseSourceConfig } from '../config/validate';
import { buildPlan } from './build';
import type { SourcePlan } from './types';

/** Raw config (as JSON) to plan: validation and planning in one pure step, usable in workflows. */
export function planSource(raw: unknown, params: Record<string, string>): SourcePlan {
  return buildPlan(parseSourceConfig(raw), params);
}
