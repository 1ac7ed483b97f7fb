import { ExactNumber, MAX_DEPTH, parseJsonBody, refuseTooDeep, scanJson } from '../../src/activities/http/json';
import { cleanNested, cleanText } from '../../src/activities/store/clean';
import { ColumnNames, ownerComment, ownerFromComment } from '../../src/activities/store/names';

const exact = (v: unknown) => (v instanceof ExactNumber ? `exact ${v.text}` : v);

describe('parseJsonBody', () => {
  test.each([
    ['9007199254740993', 'exact 9007199254740993'],
    ['9007199254740992', 'exact 9007199254740992'],
    ['9007199254740991', 9007199254740991],
    ['-12345678901234567890', 'exact -12345678901234567890'],
    ['1e400', 'exact 1e400'],
    ['1e-400', 'exact 1e-400'],
    ['0.10000000000000000001', 'exact 0.10000000000000000001'],
    ['1e5', 100000],
    ['123456789012345', 123456789012345],
    ['0.1', 0.1],
    ['-2.5', -2.5],
  ])('the literal %s parses to %p', (literal, expected) => {
    expect(exact((parseJsonBody(`{"v":${literal}}`) as { v: unknown }).v)).toEqual(expected);
  });

  test('digits and quotes inside strings do not count as numbers; escaped quotes end no string', () => {
    expect(scanJson('{"a":"12345678901234567890","b":"x\\"1e5","c":"\\\\"}')).toEqual({ depth: 1, inexact: false });
    expect(scanJson('[[{"a":[1]}]]')).toEqual({ depth: 4, inexact: false });
  });

  test(`a body nested deeper than ${MAX_DEPTH} levels parses (without recursion) and is refused by name`, () => {
    const body = parseJsonBody(`${'['.repeat(100_000)}12345678901234567890${']'.repeat(100_000)}`);
    expect(() => refuseTooDeep(body, (m) => new Error(m))).toThrow(`response nested deeper than ${MAX_DEPTH} levels (the limit)`);
    expect(() => refuseTooDeep(parseJsonBody('[[1]]'), (m) => new Error(m))).not.toThrow();
  });
});

describe('clean', () => {
  test.each([
    ['a\u0000b', 'a\uFFFDb', 1],
    ['x\ud800y\udc00', 'x\uFFFDy\uFFFD', 2],
    ['🦄 ok', '🦄 ok', 0],
  ])('cleanText(%j) is %j, %i replaced', (raw, text, replaced) => {
    expect(cleanText(raw)).toEqual({ text, replaced });
  });

  test('cleanNested walks 100 000 levels without recursion and stops at its limit', () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(cleanNested(v as object, 10).tooDeep).toBe(true);
  });
});

describe('ColumnNames', () => {
  test('colliding keys get suffixed columns; recorded owners keep a key on its column', () => {
    const first = new ColumnNames();
    expect(['a b', 'a_b', 'Name', 'name', 'a b'].map((k) => first.column(k))).toEqual(['a_b', 'a_b_1', 'name', 'name_1', 'a_b']);
    expect(first.collisions.map((c) => [c.key, c.holder, c.column])).toEqual([['a_b', 'a b', 'a_b_1'], ['name', 'Name', 'name_1']]);
    const later = new ColumnNames(new Map([['a_b', 'a b'], ['a_b_1', 'a_b'], ['legacy', null]]));
    expect(['a_b', 'a b', 'Legacy'].map((k) => later.column(k))).toEqual(['a_b_1', 'a_b', 'legacy']);
    expect(later.collisions).toEqual([]);
  });

  test.each(['a b', 'why?', "it's", 'back\\slash?', '\u0000\ud800'])('the key %j survives its column comment, which holds no bare ?', (key) => {
    expect(ownerComment(key)).not.toContain('?');
    expect(ownerFromComment(ownerComment(key))).toBe(key);
    expect(ownerFromComment('a comment someone else wrote')).toBeNull();
  });
});
