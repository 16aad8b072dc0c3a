import { Suspense, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { api } from './api/client';
import { session } from './api/session';
import { ErrorState, Loading, Notice } from './components/ui';
import { Link, matchPath, navigate, ParamsContext, Redirect, useLocation, type Params } from './router';
import { fillPath, safeNext } from './route-match';
import { notFoundRoute, routes, type NavSection, type RouteDef } from './routes';
import { InboxLink } from './screens/alerts/inbox-link';
import { useWorkspaceLoader, WorkspaceProvider, type Workspace } from './workspace';

function findRoute(pathname: string): { route: RouteDef; params: Params } {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return { route: notFoundRoute, params: {} };
}

export function App() {
  const location = useLocation();
  const signedIn = useSyncExternalStore(session.subscribe, session.isSignedIn);
  const { route, params } = findRoute(location.pathname);
  const here = location.pathname + (location.search.size > 0 ? `?${location.search.toString()}` : '');

  useEffect(() => {
    document.title = `${route.title} · Northstar`;
  }, [route.title]);

  if (route.access === 'user' && !signedIn)
    return <Redirect to={`/login?next=${encodeURIComponent(here)}`} />;
  if (route.access === 'guest' && signedIn) return <Redirect to={safeNext(location.search.get('next'))} />;

  const Screen = route.screen;
  const screen = (
    <ParamsContext.Provider value={params}>
      <Suspense fallback={<Loading />}>
        <Screen key={location.pathname} />
      </Suspense>
    </ParamsContext.Provider>
  );
  if (route.access === 'user')
    return (
      <Shell params={params} pathname={location.pathname}>
        {screen}
      </Shell>
    );
  return <Bare pathname={location.pathname}>{screen}</Bare>;
}

/** Moves focus to the new page's main region, so screen readers announce the navigation. */
function useFocusOnNavigate(pathname: string) {
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);
  return main;
}

function Bare({ children, pathname }: { children: ReactNode; pathname: string }) {
  const main = useFocusOnNavigate(pathname);
  return (
    <div className="bare">
      <header className="bare-header">
        <Link href="/" className="brand">
          Northstar
        </Link>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="bare-main">
        {children}
      </main>
    </div>
  );
}

async function signOut(): Promise<void> {
  const refreshToken = session.storedRefreshToken();
  if (refreshToken) await api('POST /v1/auth/logout', { body: { refreshToken } }).catch(() => undefined);
  session.end();
  navigate('/login', { replace: true });
}

function Shell({ params, pathname, children }: { params: Params; pathname: string; children: ReactNode }) {
  const state = useWorkspaceLoader(params);
  const main = useFocusOnNavigate(pathname);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidenav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <Link href="/" className="brand">
          Northstar
        </Link>
        {state.workspace && <Switcher workspace={state.workspace} />}
        <div className="topbar-end">
          {state.workspace && <InboxLink active={pathname === '/inbox'} />}
          {state.workspace && (
            <Link href="/account" className="user-link">
              {state.workspace.me.name || state.workspace.me.email}
            </Link>
          )}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <div className="body">
        <nav id="sidenav" className={`sidenav${menuOpen ? ' open' : ''}`} aria-label="Main">
          {state.workspace && <SideNav workspace={state.workspace} pathname={pathname} />}
        </nav>
        <main id="main" ref={main} tabIndex={-1} className="content">
          {state.status === 'error' ? (
            <ErrorState error={state.error} onRetry={state.retry} />
          ) : state.status === 'loading' || !state.workspace ? (
            <Loading />
          ) : (
            <WorkspaceProvider value={state.workspace}>
              {!state.workspace.me.emailVerified && (
                <Notice tone="warning">
                  Verify your email address: open the link we sent to {state.workspace.me.email}. Inviting
                  people and creating alerts need it.
                </Notice>
              )}
              {children}
            </WorkspaceProvider>
          )}
        </main>
      </div>
    </div>
  );
}

function Switcher({ workspace }: { workspace: Workspace }) {
  const { orgs, org, projects, project } = workspace;
  return (
    <div className="switcher">
      <label className="visually-hidden" htmlFor="org-switcher">
        Organisation
      </label>
      <select
        id="org-switcher"
        value={org?.id ?? ''}
        onChange={(event) =>
          navigate(event.target.value === '+' ? '/orgs/new' : `/orgs/${event.target.value}`)
        }
      >
        {!org && <option value="">No organisation</option>}
        {orgs.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {candidate.name}
          </option>
        ))}
        <option value="+">+ New organisation</option>
      </select>
      {org && (
        <>
          <label className="visually-hidden" htmlFor="project-switcher">
            Project
          </label>
          <select
            id="project-switcher"
            value={project?.id ?? ''}
            onChange={(event) =>
              navigate(
                event.target.value === '+'
                  ? `/orgs/${org.id}/projects/new`
                  : event.target.value
                    ? `/projects/${event.target.value}`
                    : `/orgs/${org.id}`,
              )
            }
          >
            <option value="">{projects.length > 0 ? 'All projects' : 'No projects yet'}</option>
            {projects.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
            <option value="+">+ New project</option>
          </select>
        </>
      )}
    </div>
  );
}

const SECTION_TITLES: Record<NavSection, string> = {
  project: 'Project',
  org: 'Organisation',
  account: 'You',
};

function SideNav({ workspace, pathname }: { workspace: Workspace; pathname: string }) {
  const ids: Record<string, string | undefined> = {
    projectId: workspace.project?.id,
    orgId: workspace.org?.id,
  };
  const sections: NavSection[] = ['project', 'org', 'account'];
  return (
    <>
      {sections.map((section) => {
        const links = routes
          .filter((route) => route.nav?.section === section)
          .map((route) => ({ route, href: fillPath(route.path, ids) }))
          .filter((link): link is { route: RouteDef; href: string } => link.href !== null);
        if (links.length === 0) return null;
        const heading =
          section === 'project'
            ? workspace.project?.name
            : section === 'org'
              ? workspace.org?.name
              : undefined;
        return (
          <div className="nav-section" key={section}>
            <p className="nav-heading">{heading ?? SECTION_TITLES[section]}</p>
            <ul>
              {links.map(({ route, href }) => (
                <li key={route.path}>
                  <Link href={href} aria-current={href === pathname ? 'page' : undefined}>
                    {route.nav?.label}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </>
  );
}
