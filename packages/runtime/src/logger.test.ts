import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.js';

describe('redactUrl', () => {
  it('hides the password and user of a Redis URL', () => {
    const safe = redactUrl('redis://admin:s3cr3t-pass@cache.internal:6380/2');
    expect(safe).not.toContain('s3cr3t-pass');
    expect(safe).not.toContain('admin');
    expect(safe).toContain('cache.internal:6380/2');
  });

  it('leaves a URL without credentials as it was', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes a string it cannot parse, which might be a secret', () => {
    expect(redactUrl('not a url with secret')).not.toContain('secret');
  });
});
