import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

// Every screen of the console, in one list. A screen is a file under screens/ with a default export,
// loaded on first visit (each is its own chunk, so the first download stays small). To add one: write
// the file (analytics screens go under screens/analytics/) and add a line here; `nav` puts it in the
// side navigation of its section, in list order.
//   access: `guest` (signed-out pages: signed-in users are sent on), `public` (either), `user` (signed
//   in, shown inside the app shell with the organisation and project switcher).
// Paths under /projects/:projectId and /orgs/:orgId get the switcher's current ids in the navigation.

export type Access = 'guest' | 'public' | 'user';
export type NavSection = 'project' | 'org' | 'account';

export interface RouteDef {
  path: string;
  title: string;
  access: Access;
  screen: LazyExoticComponent<ComponentType>;
  nav?: { section: NavSection; label: string };
}

export const routes: RouteDef[] = [
  // Signed out; the email links (notifications' email.templates.ts) land on the three token pages.
  { path: '/login', title: 'Sign in', access: 'guest', screen: lazy(() => import('./screens/auth/login')) },
  {
    path: '/signup',
    title: 'Create your account',
    access: 'guest',
    screen: lazy(() => import('./screens/auth/signup')),
  },
  {
    path: '/forgot-password',
    title: 'Forgot password',
    access: 'guest',
    screen: lazy(() => import('./screens/auth/forgot-password')),
  },
  {
    path: '/reset-password',
    title: 'Choose a new password',
    access: 'public',
    screen: lazy(() => import('./screens/auth/reset-password')),
  },
  {
    path: '/verify-email',
    title: 'Verify your email',
    access: 'public',
    screen: lazy(() => import('./screens/auth/verify-email')),
  },
  {
    path: '/invitations/accept',
    title: 'Accept invitation',
    access: 'public',
    screen: lazy(() => import('./screens/auth/accept-invitation')),
  },

  { path: '/', title: 'Home', access: 'user', screen: lazy(() => import('./screens/home')) },
  {
    path: '/orgs/new',
    title: 'New organisation',
    access: 'user',
    screen: lazy(() => import('./screens/orgs/new-org')),
  },

  // The current project.
  {
    path: '/projects/:projectId',
    title: 'Project',
    access: 'user',
    screen: lazy(() => import('./screens/analytics/overview')),
    nav: { section: 'project', label: 'Overview' },
  },
  {
    path: '/projects/:projectId/events',
    title: 'Live events',
    access: 'user',
    screen: lazy(() => import('./screens/analytics/events')),
    nav: { section: 'project', label: 'Live events' },
  },
  {
    path: '/projects/:projectId/funnels',
    title: 'Funnels',
    access: 'user',
    screen: lazy(() => import('./screens/analytics/funnels')),
    nav: { section: 'project', label: 'Funnels' },
  },
  {
    path: '/projects/:projectId/usage',
    title: 'Key usage',
    access: 'user',
    screen: lazy(() => import('./screens/analytics/key-usage')),
    nav: { section: 'project', label: 'Key usage' },
  },
  {
    path: '/projects/:projectId/alerts',
    title: 'Alerts',
    access: 'user',
    screen: lazy(() => import('./screens/alerts/alerts')),
    nav: { section: 'project', label: 'Alerts' },
  },
  {
    path: '/projects/:projectId/alerts/new',
    title: 'New alert',
    access: 'user',
    screen: lazy(() => import('./screens/alerts/alert-new')),
  },
  {
    path: '/projects/:projectId/alerts/:alertId',
    title: 'Alert',
    access: 'user',
    screen: lazy(() => import('./screens/alerts/alert-detail')),
  },
  {
    path: '/projects/:projectId/onboarding',
    title: 'Get started',
    access: 'user',
    screen: lazy(() => import('./screens/projects/onboarding')),
    nav: { section: 'project', label: 'Get started' },
  },
  {
    path: '/projects/:projectId/keys',
    title: 'API keys',
    access: 'user',
    screen: lazy(() => import('./screens/keys/keys')),
    nav: { section: 'project', label: 'API keys' },
  },
  {
    path: '/projects/:projectId/settings',
    title: 'Project settings',
    access: 'user',
    screen: lazy(() => import('./screens/projects/project-settings')),
    nav: { section: 'project', label: 'Settings' },
  },
  {
    path: '/projects/:projectId/keys/:keyId',
    title: 'API key',
    access: 'user',
    screen: lazy(() => import('./screens/keys/key-detail')),
  },

  // The current organisation.
  {
    path: '/orgs/:orgId',
    title: 'Projects',
    access: 'user',
    screen: lazy(() => import('./screens/orgs/org-projects')),
    nav: { section: 'org', label: 'Projects' },
  },
  {
    path: '/orgs/:orgId/members',
    title: 'Members',
    access: 'user',
    screen: lazy(() => import('./screens/orgs/members')),
    nav: { section: 'org', label: 'Members' },
  },
  {
    path: '/orgs/:orgId/usage',
    title: 'Usage',
    access: 'user',
    screen: lazy(() => import('./screens/analytics/usage')),
    nav: { section: 'org', label: 'Usage' },
  },
  {
    path: '/orgs/:orgId/settings',
    title: 'Organisation settings',
    access: 'user',
    screen: lazy(() => import('./screens/orgs/org-settings')),
    nav: { section: 'org', label: 'Settings' },
  },
  {
    path: '/orgs/:orgId/projects/new',
    title: 'New project',
    access: 'user',
    screen: lazy(() => import('./screens/orgs/new-project')),
  },

  { path: '/inbox', title: 'Inbox', access: 'user', screen: lazy(() => import('./screens/alerts/inbox')) },

  {
    path: '/account',
    title: 'Account',
    access: 'user',
    screen: lazy(() => import('./screens/account/account')),
    nav: { section: 'account', label: 'Account' },
  },
  {
    path: '/account/sessions',
    title: 'Sessions',
    access: 'user',
    screen: lazy(() => import('./screens/account/sessions')),
    nav: { section: 'account', label: 'Sessions' },
  },
  {
    path: '/account/two-factor',
    title: 'Two-factor sign-in',
    access: 'user',
    screen: lazy(() => import('./screens/account/two-factor')),
    nav: { section: 'account', label: 'Two-factor sign-in' },
  },
  {
    path: '/account/sign-in-methods',
    title: 'Sign-in methods',
    access: 'user',
    screen: lazy(() => import('./screens/account/sign-in-methods')),
    nav: { section: 'account', label: 'Sign-in methods' },
  },
];

export const notFoundRoute: RouteDef = {
  path: '*',
  title: 'Page not found',
  access: 'public',
  screen: lazy(() => import('./screens/not-found')),
};
