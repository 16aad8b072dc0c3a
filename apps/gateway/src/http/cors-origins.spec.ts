import { corsOriginsOf, corsOriginsProblem } from './cors-origins';

describe('CORS_ORIGINS', () => {
  it('reads * or a list of origins', () => {
    expect(corsOriginsOf('*')).toBe(true);
    expect(corsOriginsOf(' https://app.example.com, http://localhost:5173 ')).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it('accepts origins as browsers send them, and names one they would never match', () => {
    expect(corsOriginsProblem('https://app.example.com,http://localhost:5173', true)).toBeNull();
    expect(corsOriginsProblem('https://app.example.com/', false)).toMatch(
      /"https:\/\/app.example.com\/" is not/,
    );
    expect(corsOriginsProblem('https://App.example.com:443', false)).toMatch(
      /as browsers send it: https:\/\/app.example.com$/,
    );
    expect(corsOriginsProblem('https://*.example.com', false)).toMatch(/is not an origin/);
    expect(corsOriginsProblem(' , ', false)).toMatch(/must be \*/);
  });

  it('refuses * in production only', () => {
    expect(corsOriginsProblem('*', false)).toBeNull();
    expect(corsOriginsProblem('*', true)).toMatch(/list the dashboard origins/);
  });
});
