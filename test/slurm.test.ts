// faasmpirun inside a Slurm allocation, on a real Slurm cluster started by the test (slurmctld and two slurmd,
// nodes n1 and n2, on this machine): with no host flags it starts one host per node with srun, places ranks on
// them (a rank's processor name is its node), runs MPI and hybrid jobs, ends the step when a rank fails, and
// leaves nothing running when the job is cancelled with scancel. Also the allocation's variables, parsed
// without Slurm, and hostile values of them.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expandCounts, expandNodeList, slotsOf, slurmAllocation, SlurmError } from '../cluster/slurm.js';
import { build, describeRun, faasmpicc, faasmpiRun, faasmpirun, repoRoot, tempDir, type Run } from './helpers.js';
import { slurmRun, startSlurm, type SlurmCluster } from './slurm-cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the allocation read from Slurm\'s variables', () => {
  test('node lists expand as Slurm writes them, padding kept, groups multiplied', () => {
    assert.deepEqual(expandNodeList('n[1-2]'), ['n1', 'n2']);
    assert.deepEqual(expandNodeList('login,c[08-10,12],gpu[1-2]-a[1-2]'),
      ['login', 'c08', 'c09', 'c10', 'c12', 'gpu1-a1', 'gpu1-a2', 'gpu2-a1', 'gpu2-a2']);
    assert.deepEqual(expandCounts('X', '2(x3),1', 4), [2, 2, 2, 1]);
  });
  test('hostile or broken values are refused with a message naming them', () => {
    for (const bad of ['n[1-2', 'n]1[', 'n[2-1]', 'n[a-b]', 'n[1-99999999]', '', 'a,,b', 'n[1,1]', 'n/../x', 'a[1-2][1-2][1-100000]']) {
      assert.throws(() => expandNodeList(bad), (e: Error) => e instanceof SlurmError && e.message.includes(`'${bad}'`), bad);
    }
    for (const bad of ['2(x3)', '1(x1),1(x1),1', 'two', '0', '1(x0)', '-1']) {
      assert.throws(() => expandCounts('SLURM_JOB_CPUS_PER_NODE', bad, 2), SlurmError, bad);
    }
    assert.equal(slurmAllocation({}), undefined);
    assert.throws(() => slurmAllocation({ SLURM_JOB_ID: '7; rm -rf /', SLURM_JOB_NODELIST: 'n1', SLURM_JOB_CPUS_PER_NODE: '1' }), SlurmError);
    assert.deepEqual(slurmAllocation({ SLURM_JOB_ID: '7', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_JOB_CPUS_PER_NODE: '1(x2)', SLURM_TASKS_PER_NODE: '2,1' }),
      { jobId: '7', nodes: ['n1', 'n2'], cpus: [1, 1], tasks: [2, 1] });
    assert.deepEqual(slotsOf({ jobId: '7', nodes: ['n1', 'n2', 'n3'], cpus: [4, 1, 2], tasks: [2, 3, 2] }), [4, 3, 2], 'a node offers its CPUs, or its tasks when more');
  });
  test('faasmpirun in a broken allocation says what is wrong, without a stack trace', () => {
    const env = { ...process.env, SLURM_JOB_ID: '7', SLURM_JOB_NODELIST: 'n[1-', SLURM_JOB_CPUS_PER_NODE: '1' };
    const r = faasmpiRun(['-np', '2', 'none.wasm'], { env });
    assert.equal(r.status, 2, describeRun(r));
    assert.match(r.stderr, /^faasmpirun: node list 'n\[1-': unbalanced brackets\n$/, describeRun(r));
  });
});

/** Processes of ours still running: the hosts' entry point, or anything naming the test's directory. */
function leftovers(marker: string): string[] {
  const entry = join(repoRoot, 'dist/cluster/slurm-host.js');
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).flatMap((pid) => {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return [];
    }
    return cmd.includes(entry) || cmd.includes(marker) ? [`${pid}: ${cmd}`] : [];
  });
}

describe('faasmpirun inside allocations of a real two-node Slurm cluster', () => {
  let slurm: SlurmCluster;
  const dir = tempDir('faasmpi-slurm-jobs-');
  // The launcher's and the hosts' temporary directories (the job's CA, each host's key) go here: none may stay.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const jobEnv = (extra: NodeJS.ProcessEnv = {}) => ({ ...slurm.env, TMPDIR: tmp, ...extra });
  let hello: string, hybrid: string, trap: string, forever: string;
  const inAllocation = (sallocArgs: string[], runArgs: string[], extraEnv: NodeJS.ProcessEnv = {}): Run => {
    const t0 = performance.now();
    const r = spawnSync('salloc', [...sallocArgs, faasmpirun, ...runArgs], { cwd: dir, env: jobEnv(extraEnv), encoding: 'utf8', timeout: 50_000, input: '' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
  };
  /** Nothing of the job is left: no step or job in Slurm, no host or launcher process, no temporary file. */
  const assertNothingLeft = async (what: string, killed = false) => {
    let steps = '', procs: string[] = [], files: string[] = [];
    for (let i = 0; i < 100; i++) {
      steps = slurmRun('squeue', ['-h', '-s', '-o', '%i %j'], slurm).trim() + slurmRun('squeue', ['-h', '-o', '%i %j %T'], slurm).trim();
      procs = leftovers(dir);
      // A host killed outright (SIGKILL) cannot remove its directory; it must hold no key by then.
      files = readdirSync(tmp, { recursive: true }).map(String).filter((f) => !killed || /\.pem$/.test(f));
      if (steps === '' && procs.length === 0 && files.length === 0) return;
      await sleep(200);
    }
    assert.fail(`${what}: still there 20 s later:\n${steps}\n${procs.join('\n')}\n${files.join('\n')}`);
  };

  before(async () => {
    slurm = await startSlurm();
    const r = spawnSync(faasmpicc, ['-O2', join(repoRoot, 'examples/hello.c'), '-o', join(dir, 'hello.wasm')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    hello = join(dir, 'hello.wasm');
    hybrid = build('omp_hybrid.c', dir, ['-fopenmp']);
    trap = build('trap.c', dir);
    forever = build('rt_forever.c', dir);
  });
  after(async () => {
    // A test that failed half-way may leave a job: cancel everything before the daemons go.
    if (slurm) {
      const jobs = slurmRun('squeue', ['-h', '-o', '%i'], slurm).split('\n').filter(Boolean);
      if (jobs.length > 0) {
        slurmRun('scancel', ['--quiet', ...jobs], slurm);
        await sleep(1000);
      }
      await slurm.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('salloc -N 2 faasmpirun -np 4 with no host flags: ranks on both nodes, named by node, and the hosts stopped', { timeout: 60_000 }, async () => {
    const r = inAllocation(['-N', '2', '-J', 'faasmpi-test'], ['-v', '-np', '4', hello]);
    assert.equal(r.status, 0, `${describeRun(r)}\n${slurm.logs()}`);
    const ranks = r.stdout.split('\n').filter((l) => l.startsWith('rank ')).map((l) => /^rank (\d) of 4 on (\S+):/.exec(l)?.slice(1).join(' ')).sort();
    assert.deepEqual(ranks, ['0 n1', '1 n1', '2 n2', '3 n2'], describeRun(r));
    assert.match(r.stdout, /^pi = 3\.14159265/m, describeRun(r));
    assert.match(r.stderr, /ranks on hosts n1 n1 n2 n2/, describeRun(r));
    await assertNothingLeft('after a job that ended well');
  });

  test('a hybrid MPI + OpenMP job across the two nodes', { timeout: 60_000 }, async () => {
    const r = inAllocation(['-N', '2', '-n', '2', '-J', 'faasmpi-test'], ['-v', '-np', '2', hybrid], { OMP_NUM_THREADS: '2' });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['OK omp_hybrid rank 0', 'OK omp_hybrid rank 1'], describeRun(r));
    assert.match(r.stderr, /ranks on hosts n1 n2/, describeRun(r));
    await assertNothingLeft('after a hybrid job');
  });

  test('a failing rank ends the job and its host step, with the rank\'s failure and status', { timeout: 60_000 }, async () => {
    const r = inAllocation(['-N', '2', '-J', 'faasmpi-test'], ['-np', '2', trap]);
    assert.equal(r.status, 139, describeRun(r));
    assert.match(r.stderr, /rank 1 trapped: memory access out of bounds/, describeRun(r));
    assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no JS stack trace (the guest\'s own wasm frames are shown)');
    assert.ok(r.ms < 30_000, `took ${Math.round(r.ms)} ms`);
    await assertNothingLeft('after a failing rank');
  });

  const path = `${join(repoRoot, 'cli/bin')}:${process.env.PATH}`;
  test('the documented sbatch example runs on both nodes', { timeout: 60_000 }, async () => {
    // The documented example, as a user submits it (faasmpirun from this tree on PATH).
    const ok = spawnSync('sbatch', ['--wait', '-o', join(dir, 'example.out'), join(repoRoot, 'examples/slurm/hello.sbatch')],
      { cwd: dir, env: jobEnv({ PATH: path }), encoding: 'utf8', timeout: 50_000 });
    const out = existsSync(join(dir, 'example.out')) ? readFileSync(join(dir, 'example.out'), 'utf8') : '(no output file)';
    assert.equal(ok.status, 0, `${ok.stderr}\n${out}`);
    assert.deepEqual(out.split('\n').filter((l) => l.startsWith('rank ')).map((l) => l.replace(/:.*/, '')).sort(),
      ['rank 0 of 4 on n1', 'rank 1 of 4 on n1', 'rank 2 of 4 on n2', 'rank 3 of 4 on n2'], out);
    await assertNothingLeft('after the example');
  });

  test('scancel of a running batch job ends the launcher and its hosts on SIGTERM, leaving nothing', { timeout: 60_000 }, async () => {
    const script = join(dir, 'forever.sbatch');
    writeFileSync(script, `#!/bin/bash\n#SBATCH -N 2\n#SBATCH -J faasmpi-test\nexec faasmpirun -np 2 ${forever}\n`);
    const submitted = spawnSync('sbatch', ['--parsable', '-o', join(dir, 'forever.out'), script], { cwd: dir, env: jobEnv({ PATH: path }), encoding: 'utf8' });
    assert.equal(submitted.status, 0, submitted.stderr);
    const job = submitted.stdout.trim().split(';')[0];
    const output = () => (existsSync(join(dir, 'forever.out')) ? readFileSync(join(dir, 'forever.out'), 'utf8') : '');
    for (let i = 0; i < 150 && (output().match(/^running rank/gm) ?? []).length < 2; i++) await sleep(200);
    assert.equal((output().match(/^running rank/gm) ?? []).length, 2, `the job did not start:\n${output()}\n${slurm.logs()}`);
    assert.ok(leftovers(dir).length > 0 && slurmRun('squeue', ['-h', '-s', '-j', job], slurm).includes(`${job}.0`), 'the host step runs');
    const cancelled = performance.now();
    slurmRun('scancel', [job], slurm);
    await assertNothingLeft('after scancel');
    const ms = performance.now() - cancelled;
    // Before Slurm's KillWait (30 s) would have ended it with SIGKILL: the processes ended on its SIGTERM (and
    // the hosts removed their directories, which a SIGKILL would have left).
    assert.ok(ms < 25_000, `everything ended ${Math.round(ms)} ms after scancel`);
    assert.doesNotMatch(output(), /\n\s+at .*\.js:\d+/, `no JS stack trace:\n${output()}`);
  });

  test('scancel of the host step alone (SIGKILL) ends the job, naming the host that went away, and leaves no process and no key', { timeout: 60_000 }, async () => {
    const child = spawn('salloc', ['-N', '2', '-J', 'faasmpi-test', faasmpirun, '-np', '2', forever], { cwd: dir, env: jobEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 150 && (stdout.match(/^running rank/gm) ?? []).length < 2; i++) await sleep(200);
      const job = /Granted job allocation (\d+)/.exec(stderr)?.[1];
      assert.ok(job && (stdout.match(/^running rank/gm) ?? []).length === 2, `the job did not start:\n${stdout}\n${stderr}`);
      slurmRun('scancel', [`${job}.0`], slurm); // a step is cancelled with SIGKILL
      const status = await Promise.race([ended, sleep(15_000).then(() => 'still running')]);
      assert.equal(status, 1, `${stdout}\n${stderr}`);
      assert.match(stderr, /faasmpirun: host n[12] \(127\.0\.0\.1:\d+\) went away while running the job/, stderr);
      assert.doesNotMatch(stderr, /\n\s+at .*\.js:\d+/, 'no JS stack trace');
      await assertNothingLeft('after scancel of the host step', true);
      rmSync(tmp, { recursive: true });
      mkdirSync(tmp);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a launcher killed outright (SIGKILL) in a job that goes on: its hosts stop by themselves, leaving nothing', { timeout: 60_000 }, async () => {
    const script = join(dir, 'killed.sbatch');
    writeFileSync(script, `#!/bin/bash\n#SBATCH -N 2\n#SBATCH -J faasmpi-test\nfaasmpirun -np 2 ${forever}\necho launcher ended\nsleep 120\n`);
    const submitted = spawnSync('sbatch', ['--parsable', '-o', join(dir, 'killed.out'), script],
      { cwd: dir, env: jobEnv({ PATH: `${join(repoRoot, 'cli/bin')}:${process.env.PATH}` }), encoding: 'utf8' });
    assert.equal(submitted.status, 0, submitted.stderr);
    const job = submitted.stdout.trim().split(';')[0];
    const output = () => (existsSync(join(dir, 'killed.out')) ? readFileSync(join(dir, 'killed.out'), 'utf8') : '');
    try {
      for (let i = 0; i < 150 && (output().match(/^running rank/gm) ?? []).length < 2; i++) await sleep(200);
      assert.equal((output().match(/^running rank/gm) ?? []).length, 2, `the job did not start:\n${output()}`);
      const launcher = leftovers(forever).filter((p) => p.includes('faasmpirun')).map((p) => Number(p.split(':')[0]));
      assert.equal(launcher.length, 1, leftovers(forever).join('\n'));
      process.kill(launcher[0], 'SIGKILL');
      for (let i = 0; i < 75 && !output().includes('launcher ended'); i++) await sleep(200);
      // The job goes on (its script sleeps): only the closed stdin of the host step can have stopped the hosts.
      let procs: string[] = [], steps = '', files: string[] = [];
      for (let i = 0; i < 50; i++) {
        procs = leftovers(dir);
        steps = slurmRun('squeue', ['-h', '-s', '-j', job, '-o', '%i'], slurm).split('\n').filter((l) => l.endsWith('.0')).join(' ');
        files = readdirSync(tmp, { recursive: true }).map(String);
        if (procs.length === 0 && steps === '' && files.length === 0) break;
        await sleep(200);
      }
      assert.deepEqual({ procs, steps, files }, { procs: [], steps: '', files: [] }, output());
      assert.match(slurmRun('squeue', ['-h', '-j', job, '-o', '%T'], slurm), /RUNNING/, 'the job itself still runs');
    } finally {
      slurmRun('scancel', [job], slurm);
    }
    await assertNothingLeft('after the job was cancelled');
  });
});
