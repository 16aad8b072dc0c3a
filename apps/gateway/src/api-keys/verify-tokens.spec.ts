import { bearerTokenOf, DEVELOPMENT_VERIFY_TOKEN, VerifyTokens, verifyTokensProblem } from './verify-tokens';

const A = 'proxy-token-a-0123456789abcdef';
const B = 'proxy-token-b-0123456789abcdef';

describe('service tokens of RPC proxies', () => {
  it('accepts each configured token and nothing else', () => {
    const tokens = new VerifyTokens(` ${A}, ${B} ,`);
    expect(tokens.accepts(A)).toBe(true);
    expect(tokens.accepts(B)).toBe(true);
    expect(tokens.accepts(`${A}x`)).toBe(false);
    expect(tokens.accepts(A.slice(0, -1))).toBe(false);
    expect(tokens.accepts('')).toBe(false);
    expect(tokens.accepts(undefined)).toBe(false);
  });

  it('reads the bearer token of an Authorization header', () => {
    expect(bearerTokenOf(`Bearer ${A}`)).toBe(A);
    expect(bearerTokenOf(`bearer   ${A} `)).toBe(A);
    expect(bearerTokenOf(`Basic ${A}`)).toBeUndefined();
    expect(bearerTokenOf('Bearer')).toBeUndefined();
    expect(bearerTokenOf(undefined)).toBeUndefined();
  });

  it('refuses short tokens, an empty list, and the development token in production', () => {
    expect(verifyTokensProblem(`${A},${B}`, 'production')).toBeNull();
    expect(verifyTokensProblem(DEVELOPMENT_VERIFY_TOKEN, 'development')).toBeNull();
    expect(verifyTokensProblem('short', 'development')).toMatch(/at least 24/);
    expect(verifyTokensProblem(' , ', 'development')).toMatch(/at least one/);
    expect(verifyTokensProblem(`${A},${DEVELOPMENT_VERIFY_TOKEN}`, 'production')).toMatch(
      /development token/,
    );
  });
});
