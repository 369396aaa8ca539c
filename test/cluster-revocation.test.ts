// Revoking a certificate (`faasmpi certs revoke`) shuts its holder out of a running cluster: hosts reload the CA's
// revocation list when its file changes, refuse new handshakes from the revoked certificate, close links already
// open with it, and a revoked host stops itself; launchers holding the list refuse a host posing with a revoked
// certificate; a list not signed by the CA is refused and the one in force stays.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { credentialFilesIn, loadCredentials } from '../cluster/trust/credentials.js';
import { connectLink, type HostLink } from '../cluster/wire/link.js';
import { faasmpi, startHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const cluster = 'revocation-test';

function certs(args: string[]) {
  return spawnSync(faasmpi, ['certs', ...args], { encoding: 'utf8' });
}

describe('certificate revocation', () => {
  const ca = new TestCA();
  // Readable by the account the hosts run jobs as once they give up root (as an operator must place it).
  const crlDir = tempDir('faasmpi-crl-');
  chmodSync(crlDir, 0o755);
  const crl = join(crlDir, 'crl.pem');
  const hosts: TestHost[] = [];
  let wasm = '';
  let alice = '', mallory = '';

  before(async () => {
    wasm = build('args_env.c', tempDir('faasmpi-revoke-'));
    alice = ca.user('alice');
    mallory = ca.user('mallory');
    // The hosts watch a list file that does not exist yet (no certificate has been revoked).
    for (const id of ['r1', 'r2']) hosts.push(await startHost({ id, cluster, ca, extra: ['--crl', crl, '--slots', '2', '--cores', '1'] }));
  });
  after(() => { for (const h of hosts) h.child.kill('SIGKILL'); });

  const run = (who: string) => faasmpiRun(['--cluster', cluster, '-H', hosts.map((h) => h.address.replace(/:(\d+)$/, '@$1')).join(','), '-np', '2', wasm],
    { env: { ...process.env, FAASMPI_CREDENTIALS: who }, timeoutMs: 40_000 });

  test('a revoked user is refused at the handshake once the hosts read the new list; others go on', { timeout: 90_000 }, async () => {
    assert.equal(run(mallory).status, 0, 'before revocation mallory may run jobs');
    const open: HostLink = await connectLink(hosts[0].address, loadCredentials(credentialFilesIn(mallory), 'user'));
    let closed = '';
    open.on('close', (why) => { closed = why; });
    const r = certs(['revoke', '--dir', ca.dir, '--user', 'mallory']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^revoked: user mallory \(certificate [0-9A-F]+\); copy .*crl\.pem to every host's --crl file/m);
    assert.match(certs(['revoke', '--dir', ca.dir, '--user', 'mallory']).stdout, /^already revoked: user mallory/m);
    copyFileSync(join(ca.dir, 'crl.pem'), crl);
    await until('both hosts have read the list', () => hosts.every((h) => /1 certificate\(s\) revoked/.test(h.stderr())), 15_000);
    await until('mallory\'s open link is closed', () => closed !== '', 5000);
    assert.match(closed, /revoked/);
    const refused = run(mallory);
    assert.notEqual(refused.status, 0, describeRun(refused));
    assert.match(refused.stderr, /cannot link to host .*the host refused our certificate: revoked/, describeRun(refused));
    const ok = run(alice);
    assert.equal(ok.status, 0, describeRun(ok));
  });

  test('a list not signed by the cluster CA is refused and the list in force stays', { timeout: 60_000 }, async () => {
    const other = new TestCA();
    other.user('eve');
    certs(['revoke', '--dir', other.dir, '--user', 'eve']);
    copyFileSync(join(other.dir, 'crl.pem'), crl);
    await until('the hosts refused the forged list', () => hosts.every((h) => /not signed by the cluster CA: the last revocation list read stays in force/.test(h.stderr())), 15_000);
    writeFileSync(crl, 'not a list\n');
    await until('the hosts refused the damaged list', () => hosts.every((h) => /it is not a revocation list: the last/.test(h.stderr())), 15_000);
    assert.notEqual(run(mallory).status, 0, 'mallory is still refused');
    copyFileSync(join(ca.dir, 'crl.pem'), crl);
  });

  test('a launcher holding the list refuses a host posing with a revoked certificate; a revoked host stops', { timeout: 90_000 }, async () => {
    // A host whose key was stolen: the thief runs it without the list.
    const rogue = await startHost({ id: 'rogue', cluster, ca, extra: ['--crl', join(tempDir(), 'none.pem')] });
    hosts.push(rogue);
    assert.equal(certs(['revoke', '--dir', ca.dir, '--host', 'rogue']).status, 0);
    // Alice's credentials directory holds the new list, as the operator hands it out.
    copyFileSync(join(ca.dir, 'crl.pem'), join(alice, 'crl.pem'));
    const r = faasmpiRun(['--cluster', cluster, '-H', rogue.address.replace(/:(\d+)$/, '@$1'), '-np', '1', wasm],
      { env: { ...process.env, FAASMPI_CREDENTIALS: alice }, timeoutMs: 40_000 });
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stderr, /cannot link to host .*certificate revoked/i, describeRun(r));
    // An honest host that reads a list revoking its own certificate stops.
    const doomed = await startHost({ id: 'doomed', cluster, ca, extra: ['--crl', crl] });
    hosts.push(doomed);
    assert.equal(certs(['revoke', '--dir', ca.dir, '--host', 'doomed']).status, 0);
    copyFileSync(join(ca.dir, 'crl.pem'), crl);
    await until('the revoked host stopped', () => doomed.child.exitCode !== null, 15_000);
    assert.match(doomed.stderr(), /this host's certificate is revoked by .*: stopping/);
  });

  test('revoke refuses what this CA did not issue and names what is missing', () => {
    const other = new TestCA();
    const foreign = join(other.user('zed'), 'cert.pem');
    assert.match(certs(['revoke', '--dir', ca.dir, '--cert', foreign]).stderr, /was not issued by the CA in/);
    assert.match(certs(['revoke', '--dir', ca.dir, '--host', 'nosuch']).stderr, /cannot read the certificate to revoke, .*nosuch.*: no such file/);
    assert.match(certs(['revoke', '--dir', ca.dir]).stderr, /give exactly one of --host ID, --user NAME, --cert FILE/);
  });
});
