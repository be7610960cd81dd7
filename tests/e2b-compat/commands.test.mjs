import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CommandExitError } from 'e2b';
import { startEnvd } from './envd.mjs';

let envd;
let sandbox;

before(async () => {
  envd = await startEnvd();
  sandbox = envd.sandbox();
});

after(async () => {
  await envd?.stop();
});

test('run collects stdout, stderr and the exit code', async () => {
  const result = await sandbox.commands.run('echo hello; echo oops >&2');
  assert.equal(result.stdout, 'hello\n');
  assert.equal(result.stderr, 'oops\n');
  assert.equal(result.exitCode, 0);
});

test('a non-zero exit raises CommandExitError with the result', async () => {
  await assert.rejects(sandbox.commands.run('echo partial; exit 3'), (err) => {
    assert.ok(err instanceof CommandExitError, String(err));
    assert.equal(err.exitCode, 3);
    assert.equal(err.stdout, 'partial\n');
    return true;
  });
});

test('commands run as the default user, in its home, with envs and cwd', async () => {
  const who = await sandbox.commands.run('id -un; pwd');
  assert.equal(who.stdout, `${envd.user}\n${envd.home}\n`);
  const withOpts = await sandbox.commands.run('echo "$GREETING"; pwd', { envs: { GREETING: 'hi' }, cwd: '/tmp' });
  assert.equal(withOpts.stdout, 'hi\n/tmp\n');
  const asRoot = await sandbox.commands.run('id -un', { user: 'root' });
  assert.equal(asRoot.stdout, 'root\n');
});

test('streaming callbacks see output as it comes', async () => {
  const chunks = [];
  await sandbox.commands.run('for i in 1 2 3; do echo $i; sleep 0.1; done', { onStdout: (d) => chunks.push(d) });
  assert.equal(chunks.join(''), '1\n2\n3\n');
  assert.ok(chunks.length >= 2, `expected output in pieces, got ${JSON.stringify(chunks)}`);
});

test('background commands can be waited for, listed and killed', async () => {
  const done = await sandbox.commands.run('sleep 0.3; echo done', { background: true });
  const result = await done.wait();
  assert.equal(result.stdout, 'done\n');

  const sleeper = await sandbox.commands.run('sleep 60', { background: true });
  const listed = await sandbox.commands.list();
  assert.ok(listed.some((p) => p.pid === sleeper.pid), JSON.stringify(listed));
  assert.equal(await sleeper.kill(), true);
  await assert.rejects(sleeper.wait());
  const after = await sandbox.commands.list();
  assert.ok(!after.some((p) => p.pid === sleeper.pid));
});

test('a background command can be reconnected to by pid', async () => {
  const started = await sandbox.commands.run('sleep 0.5; echo late', { background: true });
  const attached = await sandbox.commands.connect(started.pid);
  const result = await attached.wait();
  assert.equal(result.stdout, 'late\n');
});

test('stdin can be written and closed', async () => {
  const cat = await sandbox.commands.run('cat', { background: true, stdin: true });
  await sandbox.commands.sendStdin(cat.pid, 'first\n');
  await cat.sendStdin('second\n');
  await cat.closeStdin();
  const result = await cat.wait();
  assert.equal(result.stdout, 'first\nsecond\n');
});

test('a command past its timeout is killed', async () => {
  const started = Date.now();
  await assert.rejects(sandbox.commands.run('sleep 30', { timeoutMs: 500 }));
  assert.ok(Date.now() - started < 10_000);
});

test('a PTY runs an interactive shell that can be resized and killed', async () => {
  let output = '';
  const decoder = new TextDecoder();
  const terminal = await sandbox.pty.create({ cols: 100, rows: 30, onData: (d) => { output += decoder.decode(d); } });
  await sandbox.pty.sendInput(terminal.pid, new TextEncoder().encode('stty size; echo marker-$((40+2))\n'));
  await waitFor(() => output.includes('marker-42'), () => output);
  assert.match(output, /30 100/);
  await sandbox.pty.resize(terminal.pid, { cols: 120, rows: 40 });
  await sandbox.pty.sendInput(terminal.pid, new TextEncoder().encode('stty size\n'));
  await waitFor(() => output.includes('40 120'), () => output);
  assert.equal(await sandbox.pty.kill(terminal.pid), true);
});

async function waitFor(condition, describe, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out; saw: ' + describe());
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('stdin: false gives the command /dev/null, so a reader ends at once (0.3.0)', async () => {
  const result = await sandbox.commands.run('cat; echo done', { stdin: false, timeoutMs: 10_000 });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, 'done\n');
});
