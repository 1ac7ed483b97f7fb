// One Temporal dev server and one Postgres server per test run, shared by every integration test
// file through environment variables. Runs compiled code from dist/ (`npm test` builds first).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

module.exports = async function globalSetup() {
  const dist = path.join(__dirname, '..', '..', 'dist');
  const { startDevServer } = require(path.join(dist, 'infra', 'dev-server'));
  const { startEmbeddedPostgres } = require(path.join(dist, 'infra', 'postgres'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-sync-test-'));
  let pg;
  if (process.env.DATABASE_URL) {
    pg = { url: process.env.DATABASE_URL, stop: async () => undefined };
  } else {
    pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), persistent: false });
  }
  const env = await startDevServer();
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve(path.join(dist, 'workflows', 'index.js')),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  process.env.REST_SYNC_TEST_PG_URL = pg.url;
  process.env.REST_SYNC_TEST_TEMPORAL = env.address;
  process.env.REST_SYNC_TEST_BUNDLE = bundlePath;
  process.env.REST_SYNC_TEST_TMP = tmp;
  globalThis.__restSync = { pg, env, tmp };
};
