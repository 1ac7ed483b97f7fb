import { createSecretResolver, secretNames } from '../activities/secrets';
import { loadSourceFile } from '../config/load';
import { ConfigError } from '../errors';
import { describePlan } from '../plan/describe';
import { planSource } from '../plan/plan-source';
import { describeError } from './errors';
import { parseParams } from './run';

/**
 * `rest-sync validate <config> [--json]`: the plan, or every problem (config paths, missing
 * secrets) as one ConfigError, so a config `run` refuses exits 2 here too. `--json` prints the
 * resources in order with their parent, table and paginator.
 */
export function validateCommand(config: string, opts: { param: string[]; json?: boolean }): string {
  const source = loadSourceFile(config);
  const plan = planSource(source, parseParams(opts.param));
  const secrets = createSecretResolver();
  const missing = [...secretNames(source)].flatMap((name) => {
    try {
      secrets.resolve(name);
      return [];
    } catch (err) {
      return [describeError(err)];
    }
  });
  if (missing.length) throw new ConfigError(missing.join('\n'));
  if (!opts.json) return describePlan(plan);
  const resources = plan.resources.map((r) => ({
    name: r.name,
    table: r.table,
    parent: r.parent?.resource ?? null,
    selected: r.selected,
    writeDisposition: r.writeDisposition,
    ...(r.merge ? { mergeStrategy: r.merge.strategy } : {}),
    paginator: r.paginator.type,
  }));
  return JSON.stringify({ valid: true, baseUrl: plan.client.baseUrl, resources }, null, 2);
}
