#!/usr/bin/env node
// Bundles the compiled workflow code once at build time (dist/workflow-bundle.js), so workers
// start without running webpack and without its memory.
const fs = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

const dist = path.join(__dirname, '..', 'dist');
bundleWorkflowCode({
  workflowsPath: require.resolve(path.join(dist, 'workflows', 'index.js')),
  logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
})
  .then(({ code }) => fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code))
  .catch((err) => {
    console.error(`bundling workflows failed: ${err.message}`);
    process.exit(1);
  });
