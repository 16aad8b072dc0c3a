import { deliveryBackoff } from './delivery.jobs';

describe('deliveryBackoff', () => {
  it('doubles from the first delay, as the exponential backoff did', () => {
    expect([1, 2, 3, 4].map((made) => deliveryBackoff(made, 5000))).toEqual([5000, 10_000, 20_000, 40_000]);
  });

  it("waits at least what the receiver asked for, never less than the backoff's own delay", () => {
    expect(deliveryBackoff(1, 50, 2000)).toBe(2000);
    expect(deliveryBackoff(4, 5000, 2000)).toBe(40_000);
    expect(deliveryBackoff(1, 50, 0)).toBe(50);
  });
});
