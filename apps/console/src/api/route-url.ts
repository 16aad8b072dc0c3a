/** The URL of a route (`GET /v1/keys/{keyId}`) with its path parameters encoded and its query. */
export function routeUrl(
  route: string,
  path: Record<string, string> | undefined,
  query: object | undefined,
): string {
  const template = route.slice(route.indexOf(' ') + 1);
  let url = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined) throw new Error(`${route}: path parameter ${name} missing`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  if ([...search].length > 0) url += `?${search.toString()}`;
  return url;
}
