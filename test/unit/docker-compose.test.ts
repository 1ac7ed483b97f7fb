import { readFileSync } from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

interface Service {
  image?: string;
  build?: string;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  env_file?: string[];
  environment?: Record<string, string>;
}

/** docker-compose.yml as Docker reads it (Docker does not run here): the shape that makes `up` start in order. */
describe('docker-compose.yml', () => {
  const root = path.join(__dirname, '..', '..');
  const compose = yaml.load(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
  const s = compose.services;

  test('Temporal from its maintained images, not the deprecated auto-setup', () => {
    expect(s.temporal.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(s['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(Object.values(s).some((x) => x.image?.includes('auto-setup'))).toBe(false);
  });

  test.each([
    ['temporal-schema', 'postgres', 'service_healthy'],
    ['temporal', 'temporal-schema', 'service_completed_successfully'],
    ['temporal-namespace', 'temporal', 'service_healthy'],
    ['temporal-ui', 'temporal', 'service_healthy'],
    ['worker', 'postgres', 'service_healthy'],
    ['worker', 'temporal', 'service_healthy'],
    ['worker', 'temporal-namespace', 'service_completed_successfully'],
  ])('%s starts once %s is %s', (service, dep, condition) => {
    expect(s[service].depends_on?.[dep]).toEqual({ condition });
  });

  test('the services others wait on have healthchecks', () => {
    for (const name of ['postgres', 'temporal']) expect(s[name].healthcheck?.test.length).toBeGreaterThan(0);
  });

  test('the worker reads secrets from an env_file, and is built from this repository', () => {
    expect(s.worker.build).toBe('.');
    expect(s.worker.env_file).toEqual(['secrets.env']);
    expect(JSON.stringify(s.worker.environment)).not.toMatch(/API_KEY/);
    expect(readFileSync(path.join(root, 'secrets.env.example'), 'utf8')).toMatch(/^API_KEY=$/m);
  });

  test('no host port clash by default: Postgres unpublished, the rest on loopback and off the dev server ports', () => {
    expect(s.postgres.ports).toBeUndefined();
    const published = Object.values(s).flatMap((x) => x.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) {
      expect(p).toMatch(/^127\.0\.0\.1:/);
      expect(p).not.toMatch(/^127\.0\.0\.1:(7233|8233|5432):/);
    }
  });

  test('the namespace step registers the Dataset search attribute', () => {
    expect(JSON.stringify(s['temporal-namespace'])).toContain('search-attribute create --namespace default --name Dataset --type Keyword');
  });
});
