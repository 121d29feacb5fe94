/** Links a user account to a clinic staff entry the way a client does: invitation, real mail, acceptance. */
import type { PlatformClient } from './platform.ts';
import type { TestUser } from './users.ts';

/** The token in a staff invitation mail (the `code: …` line of its plain-text part). */
export function invitationToken(text: string): string {
  const m = /(?:Invitation code|Kode undangan): ([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no invitation code in mail: ${text}`);
  return m[1]!;
}

/** Invites `user` (as the clinic's owner or an admin, `managerToken`) to the staff entry, and accepts as `user`. */
export async function linkStaffAccount(
  p: PlatformClient,
  managerToken: string,
  clinicId: string,
  staffId: string,
  user: TestUser,
): Promise<void> {
  const sent = p.smtp.mails.length;
  const invite = await p.http.post(
    `/api/v1/clinics/${clinicId}/staff/${staffId}/invitation`,
    { email: user.email },
    { token: managerToken },
  );
  if (invite.status !== 202) throw new Error(`invitation failed: ${invite.status} ${invite.text}`);
  const mail = await p.smtp.waitFor(
    user.email,
    (m) => p.smtp.mails.indexOf(m) >= sent && /undang|invite/i.test(m.subject),
  );
  const accept = await p.http.post(`/api/v1/staff-invitations/${invitationToken(mail.text)}/accept`, undefined, {
    token: user.accessToken,
  });
  if (accept.status !== 200) throw new Error(`accepting the invitation failed: ${accept.status} ${accept.text}`);
}
