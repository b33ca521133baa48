import { seededRandom } from '@imwatch/testing';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

/**
 * The definition canonicalJson must keep to, written the plain way: keys sorted by
 * Array.prototype.sort at every level, every key and scalar written by JSON.stringify, undefined
 * fields left out, anything JSON cannot hold written as null.
 */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${reference(record[key])}`);
  return `{${fields.join(',')}}`;
}

const ODD_STRINGS = [
  '',
  'plain',
  'quote"inside',
  'back\\slash',
  'line\nbreak',
  'tab\there',
  '\u0000nul',
  '\u001funit',
  '\u007fdel',
  'line\u2028separator',
  'é accents',
  '红包',
  '😀 pair',
  'lone \ud800 high',
  'lone \udfff low',
  '</script>',
];
const ODD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  1.5,
  123456,
  1e21,
  1e-7,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  NaN,
  Infinity,
  -Infinity,
];
const KEY_POOL = [
  'a',
  'B',
  'b',
  'Text',
  'MsgType',
  '__proto__x',
  '10',
  '2',
  '',
  'é',
  'quote"',
  '\n',
  'a\u0000',
];

function randomValue(random: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const roll = random();
  if (depth > 3 || roll < 0.45) {
    return pick<unknown>([pick(ODD_STRINGS), pick(ODD_NUMBERS), true, false, null, undefined, () => 1]);
  }
  if (roll < 0.65)
    return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const record: Record<string, unknown> = {};
  const count = Math.floor(random() * 6);
  for (let i = 0; i < count; i++) record[pick(KEY_POOL)] = randomValue(random, depth + 1);
  return record;
}

describe('canonical JSON', () => {
  it('writes what the plain definition writes, for 20,000 odd values', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(random, 0);
      expect(canonicalJson(value), `value ${i}`).toBe(reference(value));
    }
  });

  it('sorts by code unit, not by number or locale, including integer-like keys', () => {
    expect(canonicalJson({ b: 1, 10: 2, 2: 3, B: 4, é: 5, a: 6 })).toBe(
      '{"10":2,"2":3,"B":4,"a":6,"b":1,"é":5}',
    );
  });

  it('gives the same text for the same keys in any order, however many shapes share a first key', () => {
    // Eight shapes that all start with the same key: more than the cache holds for one first key.
    const shapes = Array.from({ length: 8 }, (_, n) => ['CallbackCommand', ...KEY_POOL.slice(0, n + 1)]);
    for (let round = 0; round < 3; round++) {
      for (const keys of shapes) {
        const forward = Object.fromEntries(keys.map((key, i) => [key, i]));
        const backward = Object.fromEntries(keys.map((key, i) => [key, i]).reverse());
        expect(canonicalJson(forward)).toBe(reference(forward));
        expect(canonicalJson(backward)).toBe(reference(forward));
      }
    }
  });

  it('handles objects with many keys and many distinct first keys', () => {
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${(i * 37) % 100}`, i]));
    expect(canonicalJson(wide)).toBe(reference(wide));
    for (let i = 0; i < 600; i++) {
      const value = { [`first${i}`]: i, z: [i], m: { y: 1, x: 2 } };
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it('keeps a __proto__ field that JSON.parse made an own field', () => {
    const parsed = JSON.parse('{"z":1,"__proto__":{"b":2,"a":1}}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"a":1,"b":2},"z":1}');
  });
});
