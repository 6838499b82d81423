import { describe, expect, it } from 'vitest';
import { concurrencyWindow } from '../src/connections/concurrencyWindow.js';

describe('concurrencyWindow (a broadcast’s requests in flight)', () => {
  it('starts at its maximum and never grows above it', () => {
    const window = concurrencyWindow(8);
    expect(window.limit).toBe(8);
    for (let i = 0; i < 100; i++) window.grow();
    expect(window.limit).toBe(8);
    expect(window).toMatchObject({ lowest: 8, decreases: 0 });
  });

  it('halves on each decrease, never below 1, and remembers the lowest', () => {
    const window = concurrencyWindow(32);
    window.shrink();
    expect(window.limit).toBe(16);
    for (let i = 0; i < 10; i++) window.shrink();
    expect(window.limit).toBe(1);
    expect(window).toMatchObject({ lowest: 1, decreases: 11 });
  });

  it('grows back by one per window of successes (additive increase)', () => {
    const window = concurrencyWindow(32);
    for (let i = 0; i < 3; i++) window.shrink();
    expect(window.limit).toBe(4);
    const successesTo = (limit: number) => {
      let n = 0;
      while (window.limit < limit) {
        window.grow();
        n++;
      }
      return n;
    };
    // 1 / size per success: about `size` successes per step up.
    expect(successesTo(5)).toBeGreaterThanOrEqual(4);
    expect(successesTo(6)).toBeLessThanOrEqual(6);
    expect(successesTo(32)).toBeGreaterThan(400); // 6 + 7 + ... + 31
    expect(window.limit).toBe(32);
    expect(window.lowest).toBe(4);
  });
});
