/**
 * JSON with object keys sorted at every level, so equal bodies give equal text: what the callback
 * id is a digest of. The text must never change between versions (callback-id.test.ts pins it), so
 * every shortcut here writes exactly what `JSON.stringify` would for the same value and key order.
 *
 * It runs once per callback on the ingest's path, and Node 20's `JSON.stringify` and `sort` are
 * slow for such small pieces (BENCHMARKS.md): a body's sorted key order and quoted keys are kept
 * per object shape, and strings that need no escaping are quoted by hand.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // What JSON.stringify writes for a number: its ToString when finite, otherwise null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? arrayJson(value) : objectJson(value as Record<string, unknown>);
    default:
      // undefined, functions and symbols are written as null here; a bigint throws as in JSON.
      return JSON.stringify(value) ?? 'null';
  }
}

function arrayJson(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += canonicalJson(items[i]);
  }
  return `${out}]`;
}

function objectJson(record: Record<string, unknown>): string {
  const { sortedKeys, keyPrefixes } = shapeOf(Object.keys(record));
  let out = '{';
  for (let i = 0; i < sortedKeys.length; i++) {
    const item = record[sortedKeys[i] as string];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += keyPrefixes[i] + canonicalJson(item);
  }
  return `${out}}`;
}

// JSON.stringify escapes quotes, backslashes, control characters and lone surrogates; a string
// with none of them (any surrogate counts, to keep the test simple) is quoted as it is.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** An object's keys as `Object.keys` gave them, in sorted order, and each sorted key as `"key":`. */
interface Shape {
  keys: readonly string[];
  sortedKeys: readonly string[];
  keyPrefixes: readonly string[];
}

// Callback bodies come in a few shapes (the same keys in the same order), so the sort and the
// quoting are done once per shape. Shapes are found by their first key, then compared key by key.
// Bounded, so odd payloads cannot grow it without limit: past the bounds a shape is worked out
// each time, with the same result.
const shapesByFirstKey = new Map<string, Shape[]>();
const MAX_FIRST_KEYS = 256;
const MAX_SHAPES_PER_FIRST_KEY = 4;
const MAX_KEYS_PER_SHAPE = 64;

function shapeOf(keys: readonly string[]): Shape {
  const first = keys[0] ?? '';
  const known = shapesByFirstKey.get(first);
  if (known !== undefined) {
    for (const shape of known) if (sameKeys(shape.keys, keys)) return shape;
  }
  // Sorted once per shape, so Array.prototype.sort's cost does not matter here.
  const sortedKeys = [...keys].sort();
  const shape = { keys, sortedKeys, keyPrefixes: sortedKeys.map((key) => `${quote(key)}:`) };
  if (keys.length <= MAX_KEYS_PER_SHAPE) remember(first, known, shape);
  return shape;
}

/** Keeps a new shape: a new first key while there is room, else the newest four per first key. */
function remember(first: string, known: Shape[] | undefined, shape: Shape) {
  if (known === undefined) {
    if (shapesByFirstKey.size < MAX_FIRST_KEYS) shapesByFirstKey.set(first, [shape]);
    return;
  }
  if (known.length >= MAX_SHAPES_PER_FIRST_KEY) known.shift();
  known.push(shape);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
