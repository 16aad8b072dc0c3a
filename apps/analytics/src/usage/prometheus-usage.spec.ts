import { promqlString } from './prometheus-usage';

describe('promqlString', () => {
  it('quotes a label value so that it cannot end the string', () => {
    expect(promqlString('plain')).toBe('"plain"');
    expect(promqlString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });
});
