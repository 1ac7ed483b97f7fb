#!/usr/bin/env node
// Makes sure the temporal CLI (the dev server) is available before tests, demo and bench run.
const { ensureTemporalCli } = require('../dist/infra/temporal-cli');
const cli = ensureTemporalCli();
console.error(`temporal CLI: ${cli}`);
