import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { InvitationDto, MemberDto } from '../../api/schema.gen';
import {
  Empty,
  ErrorState,
  Field,
  FormError,
  formatDate,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  SubmitButton,
} from '../../components/ui';
import { navigate, useParams } from '../../router';
import { atLeast, useWorkspace, type Role } from '../../workspace';

const ROLES: { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer: reads analytics and settings' },
  { value: 'member', label: 'Member: also builds dashboards' },
  { value: 'admin', label: 'Admin: also manages projects, keys, alerts and members' },
  { value: 'owner', label: 'Owner: everything, including deleting the organisation' },
];

export default function Members() {
  const { orgId } = useParams();
  const { org, me, reload } = useWorkspace();
  const isAdmin = atLeast(org?.role, 'admin');
  const members = useApi('GET /v1/orgs/{orgId}/members', { path: { orgId }, query: { limit: 200 } });
  // Pending invitations are for admins only; the API would answer others 403.
  const invitations = useApi(
    'GET /v1/orgs/{orgId}/invitations',
    isAdmin ? { path: { orgId }, query: { limit: 200 } } : null,
  );
  const [message, setMessage] = useState<string | null>(null);
  // An organisation keeps at least one owner (the API answers 409): say so instead of offering to leave.
  const soleOwner =
    org?.role === 'owner' &&
    (members.data?.items.filter((member) => member.role === 'owner').length ?? 0) <= 1;

  const leave = useSubmit(async () => {
    await api('DELETE /v1/orgs/{orgId}/members/{userId}', { path: { orgId, userId: me.id } });
    await reload();
    navigate('/', { replace: true });
  });

  return (
    <>
      <PageHeader title={org ? `${org.name}: members` : 'Members'} />
      {message && <Notice tone="success">{message}</Notice>}
      {members.error ? (
        <ErrorState error={members.error} onRetry={members.reload} />
      ) : !members.data ? (
        <Loading />
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Members">
          <table>
            <caption className="visually-hidden">Members</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((member) => (
                <MemberRow
                  key={member.userId}
                  orgId={orgId}
                  member={member}
                  isMe={member.userId === me.id}
                  canManage={isAdmin}
                  canGrantOwner={org?.role === 'owner'}
                  onChanged={(text) => {
                    setMessage(text);
                    members.reload();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section aria-labelledby="leave-heading">
        <h2 id="leave-heading">Leave the organisation</h2>
        <FormError error={leave.error} />
        {soleOwner ? (
          <p className="muted">You are its only owner: make another member owner before you leave.</p>
        ) : (
          <button type="button" className="danger" disabled={leave.busy} onClick={() => void leave.run()}>
            Leave {org?.name ?? 'the organisation'}
          </button>
        )}
      </section>
      {isAdmin && (
        <Invitations
          orgId={orgId}
          canGrantOwner={org?.role === 'owner'}
          items={invitations.data?.items}
          error={invitations.error}
          onChanged={(text) => {
            setMessage(text);
            invitations.reload();
          }}
        />
      )}
    </>
  );
}

function MemberRow({
  orgId,
  member,
  isMe,
  canManage,
  canGrantOwner,
  onChanged,
}: {
  orgId: string;
  member: MemberDto;
  isMe: boolean;
  canManage: boolean;
  canGrantOwner: boolean;
  onChanged: (message: string) => void;
}) {
  const who = member.name ?? member.email ?? 'a former user';
  const change = useSubmit(async (role: Role) => {
    await api('PATCH /v1/orgs/{orgId}/members/{userId}', {
      path: { orgId, userId: member.userId },
      body: { role },
    });
    onChanged(`${who} is now ${role}.`);
  });
  const remove = useSubmit(async () => {
    await api('DELETE /v1/orgs/{orgId}/members/{userId}', { path: { orgId, userId: member.userId } });
    onChanged(`${who} was removed.`);
  });
  // Only an owner grants or takes away ownership (the API enforces it; the console does not offer it).
  const editable = canManage && !isMe && (canGrantOwner || member.role !== 'owner');
  const options = ROLES.filter((role) => canGrantOwner || role.value !== 'owner');
  return (
    <tr>
      <td>
        {member.name ?? '—'}
        {isMe && <span className="muted"> (you)</span>}
      </td>
      <td>{member.email ?? '—'}</td>
      <td>
        {editable ? (
          <>
            <label className="visually-hidden" htmlFor={`role-${member.userId}`}>
              Role of {who}
            </label>
            <select
              id={`role-${member.userId}`}
              value={member.role}
              disabled={change.busy}
              onChange={(e) => void change.run(e.target.value as Role)}
            >
              {options.map((role) => (
                <option key={role.value} value={role.value}>
                  {role.value}
                </option>
              ))}
            </select>
          </>
        ) : (
          member.role
        )}
        <FormError error={change.error ?? remove.error} />
      </td>
      <td>{formatDate(member.joinedAt)}</td>
      <td>
        {editable && (
          <button type="button" className="danger" disabled={remove.busy} onClick={() => void remove.run()}>
            Remove <span className="visually-hidden">{who}</span>
          </button>
        )}
      </td>
    </tr>
  );
}

function Invitations({
  orgId,
  canGrantOwner,
  items,
  error,
  onChanged,
}: {
  orgId: string;
  canGrantOwner: boolean;
  items: InvitationDto[] | undefined;
  error: unknown;
  onChanged: (message: string) => void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const invite = useSubmit(async (to: string, as: Role) => {
    await api('POST /v1/orgs/{orgId}/invitations', { path: { orgId }, body: { email: to, role: as } });
    setEmail('');
    onChanged(`Invitation sent to ${to}.`);
  });
  const revoke = useSubmit(async (invitation: InvitationDto) => {
    await api('DELETE /v1/orgs/{orgId}/invitations/{invitationId}', {
      path: { orgId, invitationId: invitation.id },
    });
    onChanged(`The invitation of ${invitation.email} is revoked: its link no longer works.`);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void invite.run(email, role);
  };
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={invite.error} />
        <div className="row">
          <Field
            label="Email"
            name="email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={invite.error}
          />
          <SelectField
            label="Role"
            name="role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            options={ROLES.filter((r) => canGrantOwner || r.value !== 'owner')}
            error={invite.error}
          />
        </div>
        <SubmitButton busy={invite.busy}>Send invitation</SubmitButton>
      </form>
      <h2>Pending invitations</h2>
      <FormError error={revoke.error} />
      {error ? (
        <ErrorState error={error} />
      ) : !items ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title="No pending invitations" />
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Pending invitations">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((invitation) => (
                <tr key={invitation.id}>
                  <td>{invitation.email}</td>
                  <td>{invitation.role}</td>
                  <td>{formatDate(invitation.expiresAt)}</td>
                  <td>
                    {/* Inviting an address again replaces its open invitation: only the new link works. */}
                    <button
                      type="button"
                      disabled={invite.busy}
                      onClick={() => void invite.run(invitation.email, invitation.role)}
                    >
                      Resend <span className="visually-hidden">to {invitation.email}</span>
                    </button>{' '}
                    <button
                      type="button"
                      className="danger"
                      disabled={revoke.busy}
                      onClick={() => void revoke.run(invitation)}
                    >
                      Revoke <span className="visually-hidden">the invitation of {invitation.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
