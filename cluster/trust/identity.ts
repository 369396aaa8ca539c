// Who is on the other end of a link: what its certificate, verified against the cluster CA, says. A host's
// certificate has OU=faasmpi-host and its host id as CN; a user's (a launcher's) has OU=faasmpi-user and the user
// name as CN. Nothing a peer sends after the handshake can change this.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { checkName } from '../state/types.js';

export const HOST_UNIT = 'faasmpi-host';
export const USER_UNIT = 'faasmpi-user';

export type Role = 'host' | 'user';

export interface Identity {
  role: Role;
  /** Host id or user name. */
  name: string;
}

export function describeIdentity(id: Identity): string {
  return `${id.role} ${id.name}`;
}

/** The identity a certificate's subject names, or why it names none. */
export function identityFromSubject(subject: Record<string, string | string[] | undefined> | undefined): Identity | string {
  const unit = subject?.OU, name = subject?.CN;
  if (typeof unit !== 'string' || typeof name !== 'string') return 'its certificate names no single faasmpi role and name';
  const role: Role | undefined = unit === HOST_UNIT ? 'host' : unit === USER_UNIT ? 'user' : undefined;
  if (!role) return `its certificate's unit "${unit}" is neither ${HOST_UNIT} nor ${USER_UNIT}`;
  try {
    return { role, name: checkName(role === 'host' ? 'host id' : 'user', name) };
  } catch (e) {
    return `its certificate names a bad ${role} name: ${(e as Error).message}`;
  }
}

/** A TLS peer's identity (the certificate must already be verified against the CA). */
export function identityOfPeer(cert: PeerCertificate | undefined): Identity | string {
  if (!cert || Object.keys(cert).length === 0) return 'it presented no certificate';
  return identityFromSubject(cert.subject as unknown as Record<string, string | string[]>);
}

/** The identity in a PEM certificate (our own), from its subject's "KEY=value" lines. */
export function identityOfPem(pem: Buffer | string): Identity | string {
  const subject: Record<string, string | string[]> = {};
  for (const line of new X509Certificate(pem).subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq), value = line.slice(eq + 1);
    const had = subject[key];
    subject[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return identityFromSubject(subject);
}
