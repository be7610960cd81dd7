// The scenario suite every Wrenn SDK runs, against the platform named by WRENN_API_URL / WRENN_API_KEY.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Sandbox, Templates, NotFoundError, UnauthorizedError, ConflictError, ForbiddenError, TimeoutError, CommandExitError } from '../dist/esm/index.js';

let sandbox;
before(async () => { sandbox = await Sandbox.create({ metadata: { suite: 'typescript' } }); });
after(async () => { await sandbox?.kill(); });

test('run returns output and exit codes', async () => {
  assert.deepEqual(await sandbox.commands.run('echo out; echo err >&2; exit 3'), { stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  assert.equal((await sandbox.commands.run('python3', { args: ['-c', 'print(6*7)'] })).stdout, '42\n');
  await assert.rejects(sandbox.commands.run('false', { check: true }), CommandExitError);
});

test('streams 10,000 lines in order', async () => {
  let text = '';
  let exit;
  for await (const output of sandbox.commands.stream('seq 1 10000')) {
    if (output.type === 'stdout') text += output.data;
    if (output.type === 'exit') exit = output.exitCode;
  }
  assert.equal(exit, 0);
  assert.deepEqual(text.trim().split('\n'), Array.from({ length: 10000 }, (_, i) => String(i + 1)));
});

test('background command can be killed; stdin reaches commands; timeouts', async () => {
  const sleeper = await sandbox.commands.start('sleep 60');
  await new Promise((r) => setTimeout(r, 500));
  sleeper.kill();
  assert.notEqual((await sleeper.wait()).exitCode, 0);
  assert.equal((await sandbox.commands.run('tr a-z A-Z', { stdin: 'hello\n' })).stdout, 'HELLO\n');
  const cat = await sandbox.commands.start('cat');
  cat.sendStdin('one\n');
  cat.sendStdin(Buffer.from('two\n'));
  cat.closeStdin();
  assert.equal((await cat.wait()).stdout, 'one\ntwo\n');
  await assert.rejects(sandbox.commands.run('sleep 30', { timeoutMs: 1000 }), TimeoutError);
});

test('a 50 MB file round-trips with its checksum, streamed', async () => {
  const chunk = randomBytes(1024 * 1024);
  const digest = createHash('sha256');
  async function* produce() {
    for (let i = 0; i < 50; i++) { digest.update(chunk); yield chunk; }
  }
  assert.equal((await sandbox.files.write('/home/user/big.bin', produce())).size, 50 * 1024 * 1024);
  const back = createHash('sha256');
  let total = 0;
  for await (const part of await sandbox.files.read('/home/user/big.bin', { format: 'stream' })) { back.update(part); total += part.length; }
  assert.equal(total, 50 * 1024 * 1024);
  assert.equal(back.digest('hex'), digest.digest('hex'));
});

test('files write, read, list, exist, make dirs and go away', async () => {
  await sandbox.files.write('notes/a.txt', 'text');
  await sandbox.files.write('/home/user/notes/b.bin', new Uint8Array([0, 1]));
  await sandbox.files.writeFiles([{ path: '/home/user/notes/c.txt', data: 'c' }, { path: '/home/user/notes/d.txt', data: 'd' }]);
  assert.equal(await sandbox.files.read('/home/user/notes/a.txt'), 'text');
  assert.deepEqual([...(await sandbox.files.read('/home/user/notes/b.bin', { format: 'bytes' }))], [0, 1]);
  assert.deepEqual((await sandbox.files.list('/home/user/notes')).map((e) => e.name).sort(), ['a.txt', 'b.bin', 'c.txt', 'd.txt']);
  assert.equal(await sandbox.files.exists('/home/user/notes/c.txt'), true);
  assert.equal(await sandbox.files.exists('/home/user/notes/zzz'), false);
  assert.equal(await sandbox.files.exists('/no/such/dir/file'), false);
  assert.equal(await sandbox.files.makeDir('/home/user/made/deep'), true);
  assert.equal(await sandbox.files.makeDir('/home/user/made/deep'), false);
  await sandbox.files.remove('/home/user/notes');
  assert.equal(await sandbox.files.exists('/home/user/notes'), false);
  await assert.rejects(sandbox.files.read('/home/user/notes/a.txt'), NotFoundError);
  await assert.rejects(sandbox.files.write('/etc/evil', 'x'), ForbiddenError);
});

test('pause and resume keep state; list and connect find it', async () => {
  await sandbox.commands.run("echo kept > /tmp/state; nohup sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done' >/dev/null 2>&1 &");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await sandbox.pause()).state, 'paused');
  await assert.rejects(sandbox.commands.run('true'), ConflictError);
  assert.equal((await sandbox.resume()).state, 'running');
  const first = Number(await sandbox.files.read('/tmp/counter'));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(Number(await sandbox.files.read('/tmp/counter')) > first);
  assert.equal(await sandbox.files.read('/tmp/state'), 'kept\n');
  assert.ok((await Sandbox.list({ metadata: { suite: 'typescript' } })).some((s) => s.id === sandbox.sandboxId));
  assert.equal((await (await Sandbox.connect(sandbox.sandboxId)).getInfo()).state, 'running');
  await sandbox.ping();
  await sandbox.setTimeout(0);
});

test('template round trip', async () => {
  const name = 'ts-' + randomBytes(4).toString('hex');
  await sandbox.files.write('/home/user/from-template.txt', 'inside');
  assert.equal((await sandbox.createTemplate(name)).name, name);
  try {
    assert.ok((await Templates.list()).some((t) => t.name === name));
    const child = await Sandbox.create({ template: name });
    try {
      assert.equal(await child.files.read('/home/user/from-template.txt'), 'inside');
    } finally {
      await child.kill();
    }
  } finally {
    await Templates.delete(name);
  }
  assert.ok(!(await Templates.list()).some((t) => t.name === name));
});

test('errors for a bad id and a bad key, and kill', async () => {
  await assert.rejects(Sandbox.connect('sb-0000000000000000'), (error) => error instanceof NotFoundError && error.code === 'not_found');
  await assert.rejects(Sandbox.list({ apiKey: 'wrn_00000000000000000000000000000000' }), UnauthorizedError);
  const doomed = await Sandbox.create();
  await doomed.kill();
  assert.equal((await doomed.getInfo()).state, 'stopped');
  await doomed.kill();
});
