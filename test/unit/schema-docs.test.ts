import { configKeyDocs, sourceJsonSchema } from '../../src/config/schema';

type Node = { properties?: Record<string, Node & { description?: string }>; items?: Node; additionalProperties?: Node | boolean; anyOf?: Node[]; oneOf?: Node[]; allOf?: Node[] };

/** Every key of the config's JSON Schema (what `rest-sync schema` prints) has a description. */
describe('config key descriptions', () => {
  test('every property of every object in the JSON Schema is described', () => {
    const missing: string[] = [];
    let seen = 0;
    const walk = (n: Node | undefined, at: string) => {
      if (!n || typeof n !== 'object') return;
      for (const [k, v] of Object.entries(n.properties ?? {})) {
        seen++;
        if (!v.description) missing.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
      for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])]) walk(alt, at);
      walk(n.items, `${at}[]`);
      if (typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${at}.*`);
    };
    walk(sourceJsonSchema() as Node, '');
    expect(missing).toEqual([]);
    expect(seen).toBeGreaterThan(100);
  });

  test('the key list for docs has the keys by path', () => {
    const docs = new Map(configKeyDocs());
    expect(docs.get('client.base_url')).toBe('the API root every endpoint path is relative to');
    expect(docs.get('resources[].write_disposition')).toMatch(/append, replace/);
  });
});
