const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const s = globalThis.__restSync;
  if (!s) return;
  await s.env.teardown();
  await s.pg.stop();
  fs.rmSync(s.tmp, { recursive: true, force: true });
};
