import { csvField, csvFilename, csvOf, insightTable } from './insight-csv';

describe('insight CSV', () => {
  it('guards text a spreadsheet would run as a formula, and quotes what needs it', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1')).toBe(`"'+1"`);
    expect(csvField('-cmd')).toBe(`"'-cmd"`);
    expect(csvField('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('plain')).toBe('plain');
    expect(csvField(42)).toBe('42');
    expect(csvField(-3)).toBe('-3');
  });

  it('lays each kind out flat, with a header row', () => {
    expect(
      csvOf(insightTable('top', { approximate: false, items: [{ value: '=1+1', count: 2, users: 1 }] })),
    ).toBe(`value,count,users\r\n"'=1+1",2,1\r\n`);
    expect(
      insightTable('funnel', {
        steps: [
          { event: 'A', users: 4, conversion: 1 },
          { event: 'B', users: 2, conversion: 0.5 },
        ],
      }),
    ).toEqual([
      ['step', 'event', 'users', 'conversion'],
      [1, 'A', 4, 1],
      [2, 'B', 2, 0.5],
    ]);
  });

  it('lays a custom metric out as a time series, or as rows of group, t and value with groupBy', () => {
    const points = [{ t: '2026-11-10T00:00:00.000Z', value: 1.5 }];
    const answer = { name: 'cpu', agg: 'avg' as const, interval: 'day' as const };
    expect(insightTable('metric', { ...answer, points })).toEqual([
      ['t', 'value'],
      ['2026-11-10T00:00:00.000Z', 1.5],
    ]);
    expect(insightTable('metric', { ...answer, series: [{ group: '=eu', points }] })).toEqual([
      ['group', 't', 'value'],
      ['=eu', '2026-11-10T00:00:00.000Z', 1.5],
    ]);
  });

  it('names the file after the insight, with nothing a header could carry', () => {
    expect(csvFilename('Sign-ups per day "quoted"\r\n', 'timeseries')).toBe('sign-ups-per-day-quoted.csv');
    expect(csvFilename('数字', 'top')).toBe('top.csv');
  });
});
