#!/usr/bin/env node
/**
 * Makes sure Debian's chromium is there for the Web UI browser test (playwright-core drives it;
 * playwright-core never downloads a browser). `CHROMIUM_PATH` names another binary. When the
 * binary is missing and this runs as root, it is installed with apt-get; otherwise this fails
 * saying how to install it. Returns at once when the binary exists.
 */
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function fail(message) {
  console.error(`ensure-chromium: ${message}`);
  process.exit(1);
}

function run(cmd, args) {
  console.error(`ensure-chromium: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error) fail(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` exited with ${r.status}; install chromium yourself or set CHROMIUM_PATH`);
}

if (!existsSync(chromium)) {
  if (process.env.CHROMIUM_PATH) fail(`CHROMIUM_PATH=${chromium} does not exist`);
  if (process.getuid?.() !== 0) fail(`${chromium} is missing: run \`sudo apt-get install -y --no-install-recommends chromium\` or set CHROMIUM_PATH`);
  console.error(`ensure-chromium: ${chromium} is missing, installing Debian's chromium package`);
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(chromium)) fail(`apt-get installed chromium but ${chromium} is still missing; set CHROMIUM_PATH`);
}
console.error(`chromium: ${chromium}`);
