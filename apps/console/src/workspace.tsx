import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError } from './api/client';
import type { OrgWithRoleDto, ProjectDto, UserDto } from './api/schema.gen';

// Who is signed in and where they are: the organisation and project the switcher shows. A route with
// :orgId or :projectId decides; otherwise the organisation used last (remembered per browser).

const LAST_ORG_KEY = 'northstar.orgId';
export type Role = OrgWithRoleDto['role'];
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** Whether `role` is at least `least` (owner > admin > member > viewer). */
export const atLeast = (role: Role | undefined, least: Role): boolean =>
  role !== undefined && RANK[role] >= RANK[least];

export interface Workspace {
  me: UserDto;
  orgs: OrgWithRoleDto[];
  org: OrgWithRoleDto | null;
  projects: ProjectDto[];
  project: ProjectDto | null;
  /** Loads the user, organisations and projects again (after creating or leaving one). */
  reload: () => Promise<void>;
  setMe: (me: UserDto) => void;
}

const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace outside WorkspaceProvider');
  return workspace;
}

function rememberedOrg(): string | null {
  try {
    return localStorage.getItem(LAST_ORG_KEY);
  } catch {
    return null;
  }
}

function rememberOrg(orgId: string): void {
  try {
    localStorage.setItem(LAST_ORG_KEY, orgId);
  } catch {
    // Not remembered: the first organisation is chosen next time.
  }
}

export interface WorkspaceState {
  status: 'loading' | 'ready' | 'error';
  error?: unknown;
  workspace?: Workspace;
  retry: () => void;
}

/** Loads the workspace for the current route's parameters; children read it with useWorkspace. */
export function useWorkspaceLoader(params: { orgId?: string; projectId?: string }): WorkspaceState {
  const [me, setMe] = useState<UserDto | null>(null);
  const [orgs, setOrgs] = useState<OrgWithRoleDto[] | null>(null);
  const [project, setProject] = useState<ProjectDto | null>(null);
  const [projects, setProjects] = useState<{ orgId: string; items: ProjectDto[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  const loadAccount = useCallback(async () => {
    const [user, orgList] = await Promise.all([
      api('GET /v1/me', {}),
      api('GET /v1/orgs', { query: { limit: 200 } }),
    ]);
    setMe(user);
    setOrgs(orgList.items);
  }, []);

  useEffect(() => {
    setError(null);
    loadAccount().catch(setError);
  }, [loadAccount, attempt]);

  useEffect(() => {
    if (!params.projectId) {
      setProject(null);
      return;
    }
    if (project?.id === params.projectId) return;
    api('GET /v1/projects/{projectId}', { path: { projectId: params.projectId } }).then(setProject, setError);
  }, [params.projectId, project?.id, attempt]);

  const orgId = params.orgId ?? (params.projectId ? project?.orgId : undefined) ?? chooseOrg(orgs);
  const org = orgs?.find((candidate) => candidate.id === orgId) ?? null;

  useEffect(() => {
    if (!org) return;
    rememberOrg(org.id);
    api('GET /v1/orgs/{orgId}/projects', { path: { orgId: org.id }, query: { limit: 200 } }).then(
      (list) => setProjects({ orgId: org.id, items: list.items }),
      (failure: unknown) => {
        // A member without two factors in an organisation that requires them: the rest of the console
        // (their account, where they set two factors up) must still open; the organisation's own
        // screens show the refusal.
        if (failure instanceof ApiError && failure.code === 'mfa-required')
          setProjects({ orgId: org.id, items: [] });
        else setError(failure);
      },
    );
    // Keyed on the id: a reloaded list gives a new org object for the same organisation.
  }, [org?.id, attempt]);

  const reload = useCallback(async () => {
    await loadAccount();
    setAttempt((n) => n + 1);
  }, [loadAccount]);

  const workspace = useMemo<Workspace | undefined>(() => {
    if (!me || !orgs) return undefined;
    return {
      me,
      orgs,
      org,
      projects: projects && org && projects.orgId === org.id ? projects.items : [],
      project: params.projectId && project?.id === params.projectId ? project : null,
      reload,
      setMe,
    };
  }, [me, orgs, org, projects, project, params.projectId, reload]);

  const waiting = !workspace || (params.projectId !== undefined && workspace.project === null);
  return {
    status: error ? 'error' : waiting ? 'loading' : 'ready',
    error,
    workspace,
    retry: () => setAttempt((n) => n + 1),
  };
}

function chooseOrg(orgs: OrgWithRoleDto[] | null): string | undefined {
  if (!orgs || orgs.length === 0) return undefined;
  const last = rememberedOrg();
  return orgs.find((org) => org.id === last)?.id ?? orgs[0].id;
}

export function WorkspaceProvider({ value, children }: { value: Workspace; children: ReactNode }) {
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}
