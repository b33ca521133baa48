import { describe, expect, it } from 'vitest';
import { checkCallbackBody, MAX_BODY_DEPTH, nestedDeeperThan } from './validate.js';

/** `{"a":{"a":…1…}}` with `levels` objects, built without recursion. */
function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('body nesting limit', () => {
  it('measures objects and arrays, scalars not counting as a level', () => {
    expect(nestedDeeperThan(deep(3), 3)).toBe(false);
    expect(nestedDeeperThan(deep(4), 3)).toBe(true);
    expect(nestedDeeperThan({ a: [[{ b: 1 }]] }, 3)).toBe(true);
    expect(nestedDeeperThan({ a: [1, 2, 'x'], b: null }, 2)).toBe(false);
  });

  it('handles 100,000 levels without recursion', () => {
    expect(nestedDeeperThan(deep(100_000), MAX_BODY_DEPTH)).toBe(true);
  });

  it('refuses a callback nested deeper than the limit, accepts one at it', () => {
    const at = { CallbackCommand: 'Custom.X', a: deep(MAX_BODY_DEPTH - 1) };
    expect(checkCallbackBody(at, undefined)).toEqual({ ok: true, command: 'Custom.X' });
    const over = { CallbackCommand: 'Custom.X', a: deep(MAX_BODY_DEPTH) };
    expect(checkCallbackBody(over, undefined)).toMatchObject({ ok: false, reason: 'INVALID_BODY' });
  });
});
