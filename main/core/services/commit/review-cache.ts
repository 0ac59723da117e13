/**
 * Decision reviews, kept once made: a review is judged on what the journal recorded up to the end
 * of the decision's horizon, which no longer changes once the horizon has passed, so the Decision
 * quality panel's refresh and the shift report read it instead of re-simulating every option.
 * Keyed by decision id and the receipt's rule-set hash (the yardstick). A review in progress is
 * shared by concurrent callers; one that failed is dropped, so the next call tries again. The
 * oldest entries go past `max`.
 */
export interface ReviewCache<T> {
  get(key: string, compute: () => Promise<T> | T): Promise<T>;
  readonly size: number;
}

export function createReviewCache<T>(max = 5000): ReviewCache<T> {
  const entries = new Map<string, Promise<T>>();
  return {
    get(key, compute) {
      const hit = entries.get(key);
      if (hit) {
        // Most recently used last, so the oldest unused goes first.
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const p = Promise.resolve().then(compute);
      entries.set(key, p);
      p.catch(() => {
        if (entries.get(key) === p) entries.delete(key);
      });
      while (entries.size > max) entries.delete(entries.keys().next().value!);
      return p;
    },
    get size() {
      return entries.size;
    },
  };
}
