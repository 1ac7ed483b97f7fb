import { loadSourceFile } from '../config/load';
import { addHint } from './action';
import { describeError, hintFor } from './errors';
import type { RunOptions, RunResult } from './run';

/** What `run --json` prints: the workflow, where the rows went, how long it took, counts per resource. */
export function runJson(out: RunResult) {
  return { workflowId: out.workflowId, dataset: out.dataset, elapsedSeconds: out.elapsedMs / 1000, resources: out.resources };
}

/**
 * The `run` command's action: runs the sync, prints the result, and gives a failure its hint
 * (a 401/403 names the config's secrets and where each was read from).
 */
export function runAction(
  run: (config: string, opts: RunOptions, log: (l: string) => void) => Promise<RunResult>,
  log: (l: string) => void,
  show: (json: boolean | undefined, out: RunResult | ReturnType<typeof runJson>) => void,
) {
  return async (config: string, opts: RunOptions) => {
    try {
      const out = await run(config, opts, log);
      if (opts.json) show(true, runJson(out));
      else show(false, out);
    } catch (err) {
      let source: unknown;
      try {
        source = loadSourceFile(config);
      } catch {
        source = undefined; // the config itself is what failed
      }
      throw addHint(err, hintFor(describeError(err), source));
    }
  };
}
