/**
 * The sum of a Prometheus sample over the series whose labels include `labels`, read from a
 * service's /metrics (0 when no series matches yet).
 */
export async function readMetric(
  opsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`${opsUrl}/metrics`);
  if (!response.ok) throw new Error(`GET ${opsUrl}/metrics answered ${response.status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum = 0;
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((pair) => present.includes(pair))) sum += Number(match[3]);
  }
  return sum;
}
