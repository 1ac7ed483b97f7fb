import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createSecretResolver } from '../../src/activities/secrets';
import { syncStartOptions } from '../../src/cli/start-options';
import { importSourceText } from '../../src/config/import';
import { SEED_000, startSeed000 } from '../../src/demo/mocks/seed-000';
import type { MockServer } from '../../src/demo/mocks/server';
import { startDevServer, type DevServer } from '../../src/infra/dev-server';
import { freePort } from '../../src/infra/postgres';
import { createSyncWorker, DEFAULT_TASK_QUEUE } from '../../src/worker';
import type { SyncSourceInput } from '../../src/workflows/types';
import { createTestDatabase } from '../helpers/env';

/**
 * The Temporal Web UI as a person uses it after a sync: the workflow list, the source workflow
 * (status, child workflows, summary, memo) and one resource workflow (its `fetchPages` windows
 * and its memo). It drives Debian's chromium (`scripts/ensure-chromium.js` installs it) through
 * playwright-core against a dev server of this file's own, started with the UI on a free port.
 * Screenshots land in test-artifacts/web-ui-*.png.
 */

const SEED = path.join(__dirname, '..', 'fixtures', 'seeds', '000_8f3139a47463b4a5.txt');
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long the single-page app gets to render a piece of text. */
const UI_WAIT_MS = 20_000;

/** Saves a screenshot of what the browser shows now as test-artifacts/web-ui-<name>.png. */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `web-ui-${name}.png`) });
}

/**
 * Waits until `text` is visible on the page or in one of its frames (the UI renders markdown
 * summaries in an iframe); on timeout it saves a screenshot and fails with what was shown.
 */
async function expectText(page: Page, text: string, timeout = UI_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const shown = await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 2_000 }).catch(() => '')));
    if (shown.some((t) => t.includes(text))) return;
    if (Date.now() > deadline) {
      await shot(page, 'failure');
      throw new Error(`the Web UI did not show ${JSON.stringify(text)} within ${timeout} ms at ${page.url()}; it showed:\n${shown.join('\n').slice(0, 3000)}`);
    }
    await page.waitForTimeout(250);
  }
}

/** Opens a tab of the workflow page (History, Relationships, User Metadata, Memo, …) by its label. */
async function openTab(page: Page, label: string): Promise<void> {
  await page.getByRole('tab', { name: new RegExp(`^${label}`) }).click({ timeout: UI_WAIT_MS });
}

describe('the Temporal Web UI after a sync of seed 000', () => {
  let env: DevServer;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let browser: Browser;
  let page: Page;
  let uiPort: number;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.js\` (npm test does) or set CHROMIUM_PATH`);
    const bundle = process.env.REST_SYNC_TEST_BUNDLE;
    if (!bundle) throw new Error('REST_SYNC_TEST_BUNDLE is unset: integration tests run through jest\'s global setup (npm test)');
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // another test file in this process installed it
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    uiPort = await freePort();
    [env, database, api] = await Promise.all([startDevServer({ uiPort }), createTestDatabase(), startSeed000()]);
    const source = importSourceText(readFileSync(SEED, 'utf8'), SEED) as Record<string, any>;
    source.client.base_url = api.url;
    const input: SyncSourceInput = { source, dataset: 'seed_000', params: { account_id: SEED_000.accountId } };
    const secrets = createSecretResolver({ env: { API_KEY: SEED_000.token }, secretsFile: '/nonexistent' });
    const { worker, close } = await createSyncWorker({
      connection: env.nativeConnection,
      taskQueue: DEFAULT_TASK_QUEUE,
      databaseUrl: database.url,
      workflowBundle: { code: readFileSync(bundle, 'utf8') },
      secrets,
    });
    try {
      // started as `rest-sync run` starts it: id sync:seed_000, summary and plan details
      await worker.runUntil(env.client.workflow.execute('syncSource', syncStartOptions(input, DEFAULT_TASK_QUEUE)));
    } finally {
      await close();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.teardown();
    await database?.drop();
  });

  test('the workflow list shows sync:seed_000 as Completed', async () => {
    await page.goto(`http://localhost:${uiPort}/namespaces/default/workflows`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'sync:seed_000', exact: true }) });
    await row.waitFor({ timeout: UI_WAIT_MS });
    expect(await row.innerText()).toContain('Completed');
    await expectText(page, 'sync:seed_000:runs'); // the children are listed too
    await shot(page, '1-list');
  });

  test('the source workflow shows its status, its child workflows, its summary and its memo', async () => {
    await page.getByRole('link', { name: 'sync:seed_000', exact: true }).first().click();
    await page.waitForURL(/\/workflows\/sync(%3A|:)seed_000\/[^/]+\/history/, { timeout: UI_WAIT_MS });
    await expectText(page, 'Completed');
    await expectText(page, 'syncSource');
    // the timeline names each child by its summary
    for (const name of Object.keys(SEED_000.counts)) await expectText(page, `${name} → seed_000.${name} (merge)`);
    await shot(page, '2-source-history');

    await openTab(page, 'Relationships');
    for (const name of Object.keys(SEED_000.counts)) await expectText(page, `sync:seed_000:${name}`);
    await shot(page, '3-source-relationships');

    await openTab(page, 'User Metadata');
    await expectText(page, 'sync seed_000: 5 resources (runs, projects, repositories, users, environments)');
    await expectText(page, 'GET /v2/accounts/4711/runs/ -> table runs');
    await shot(page, '4-source-metadata');

    await openTab(page, 'Memo');
    await expectText(page, `"rows": ${Object.values(SEED_000.counts).reduce((a, n) => a + n, 0)}`);
    await expectText(page, '"failed": 0');
    await shot(page, '5-source-memo');
  });

  test('a resource workflow shows its fetchPages window with its summary and its row count in the memo', async () => {
    await openTab(page, 'Relationships');
    await page.getByRole('link', { name: 'sync:seed_000:runs', exact: true }).first().click({ timeout: UI_WAIT_MS });
    await page.waitForURL(/\/workflows\/sync(%3A|:)seed_000(%3A|:)runs\//, { timeout: UI_WAIT_MS });
    await openTab(page, 'History');
    await expectText(page, 'syncResource');
    await expectText(page, 'Parent Workflow');
    await expectText(page, 'fetchPages • runs: first pages');
    await shot(page, '6-resource-history');

    await openTab(page, 'Memo');
    await expectText(page, `"rows": ${SEED_000.counts.runs}`);
    await expectText(page, '"table": "seed_000.runs"');
    await shot(page, '7-resource-memo');
  });
});
