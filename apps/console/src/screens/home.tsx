import { Redirect } from '../router';
import { useWorkspace } from '../workspace';

/** `/`: a new user creates an organisation; others land on their current organisation's projects. */
export default function Home() {
  const { org } = useWorkspace();
  return <Redirect to={org ? `/orgs/${org.id}` : '/orgs/new'} />;
}
