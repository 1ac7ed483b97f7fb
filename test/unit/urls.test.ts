import { originOf } from '../../src/activities/http/urls';

/** What counts as an absolute http(s) URL in a paginator token (its auth params are then dropped before it is stored). */
describe('originOf', () => {
  test.each([
    ['a cursor', 'bzoxMDA', undefined],
    ['a page number', '17', undefined],
    ['an https URL with a port', 'https://api.example.com:8443/items?page=2', 'https://api.example.com:8443'],
    ['an http URL, scheme in capitals', 'HTTP://api.example.com/items', 'http://api.example.com'],
    ['leading spaces, as the URL parser strips them', '  https://api.example.com/x', 'https://api.example.com'],
    ['another scheme', 'mailto:ops@example.com', undefined],
    ['a relative link', '/items?page=2', undefined],
    ['text with a colon that is no URL', 'next: 5', undefined],
  ])('%s', (_name, text, origin) => {
    expect(originOf(text)).toBe(origin);
  });
});
