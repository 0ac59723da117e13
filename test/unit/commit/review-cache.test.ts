import { describe, expect, it } from 'vitest';
import { createReviewCache } from '../../../main/core/services/commit/review-cache';

describe('review cache', () => {
  it('computes a key once, shares a computation in progress, and keeps it', async () => {
    const cache = createReviewCache<number>();
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    };
    const [a, b] = await Promise.all([cache.get('D-1:h', compute), cache.get('D-1:h', compute)]);
    expect([a, b, runs]).toEqual([42, 42, 1]);
    expect(await cache.get('D-1:h', compute)).toBe(42);
    expect(runs).toBe(1);
    // Another rule-set hash is another review.
    await cache.get('D-1:other', compute);
    expect(runs).toBe(2);
  });

  it('drops a failed review so the next call tries again', async () => {
    const cache = createReviewCache<string>();
    await expect(cache.get('D-2:h', () => Promise.reject(new Error('rule set missing')))).rejects.toThrow('rule set missing');
    expect(cache.size).toBe(0);
    expect(await cache.get('D-2:h', () => 'ok')).toBe('ok');
  });

  it('lets the least recently used go past its size', async () => {
    const cache = createReviewCache<string>(2);
    let runs = 0;
    const c = (v: string) => () => (runs++, v);
    await cache.get('a', c('a'));
    await cache.get('b', c('b'));
    await cache.get('a', c('a')); // a used again: b is now the oldest
    await cache.get('c', c('c'));
    expect(cache.size).toBe(2);
    expect(runs).toBe(3);
    await cache.get('a', c('a'));
    expect(runs).toBe(3);
    await cache.get('b', c('b'));
    expect(runs).toBe(4);
  });
});
