/**
 * The CLI's door to config files: the only config module that touches the file system, so the
 * rest of the config layer and the planner stay pure.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { importSourceText } from './import';

/** Reads a config file (JSON, JSON5, Python dict, markdown or .py) and returns its raw data. */
export function loadSourceFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the config file: ${(e as Error).message}`, path);
  }
  return importSourceText(text, path);
}
