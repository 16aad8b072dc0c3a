import { stampGeneration, unstampGeneration } from './generation-stamp';

describe('generation stamps', () => {
  it('answers a value of the current generation only', () => {
    const stamped = stampGeneration('4', '{"a":"b|c"}');
    expect(unstampGeneration(stamped, '4')).toBe('{"a":"b|c"}');
    expect(unstampGeneration(stamped, '5')).toBeNull();
    expect(unstampGeneration(stamped, '')).toBeNull();
    expect(unstampGeneration(null, '4')).toBeNull();
    expect(unstampGeneration('no stamp', '4')).toBeNull();
  });
});
