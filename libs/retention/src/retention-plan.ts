const DAY_MS = 86_400_000;

/** The start of the UTC day `days` days before `now`: events before it are past a retention of `days`. */
export function retentionCutoff(now: number, days: number): number {
  const today = now - (now % DAY_MS);
  return today - days * DAY_MS;
}

export interface ProjectAge {
  projectId: string;
  /** The project's oldest event, epoch ms. */
  oldest: number;
}

export interface Deletion {
  cutoff: number;
  projectIds: string[];
}

/**
 * The deletions a retention pass makes: per retention (days), the projects whose oldest event is older
 * than that retention allows, in groups of at most `chunk`. Projects without a known retention are
 * left alone (a deleted project's events go with its deletion).
 */
export function retentionDeletions(
  ages: readonly ProjectAge[],
  retentionOf: ReadonlyMap<string, number>,
  now: number,
  chunk: number,
): Deletion[] {
  const byCutoff = new Map<number, string[]>();
  for (const { projectId, oldest } of ages) {
    const days = retentionOf.get(projectId);
    if (days === undefined) continue;
    const cutoff = retentionCutoff(now, days);
    if (oldest >= cutoff) continue;
    const projects = byCutoff.get(cutoff) ?? [];
    projects.push(projectId);
    byCutoff.set(cutoff, projects);
  }
  const deletions: Deletion[] = [];
  for (const [cutoff, projectIds] of [...byCutoff].sort(([a], [b]) => a - b)) {
    const sorted = [...projectIds].sort();
    for (let i = 0; i < sorted.length; i += chunk)
      deletions.push({ cutoff, projectIds: sorted.slice(i, i + chunk) });
  }
  return deletions;
}

/**
 * Monthly partitions (`YYYYMM`) that hold only events older than every plan keeps: they are dropped
 * whole, which rewrites nothing.
 */
export function droppablePartitions(partitions: readonly string[], longestCutoff: number): string[] {
  return partitions.filter((partition) => {
    const match = /^(\d{4})(\d{2})$/.exec(partition);
    if (!match) return false;
    const monthEnd = Date.UTC(Number(match[1]), Number(match[2]), 1);
    return monthEnd <= longestCutoff;
  });
}
