// Servers in a sandbox reached through Wrenn's traffic proxy: by host name (sandbox.getHost(port),
// sent as the Host header to the proxy on loopback) and by the E2b-Sandbox-Id/-Port headers, a
// WebSocket, a port nobody listens on (502), and a paused auto-resume sandbox woken by a request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox } from 'e2b';
import { proxyRequest, webSocketEcho, webSocketEchoServer, waitForPort } from './platform.mjs';

let sandbox;
before(async () => {
  sandbox = await Sandbox.create({ timeoutMs: 120_000 });
  await sandbox.files.write('www/hello.txt', 'served from the sandbox');
  await sandbox.commands.run('cd www && python3 -m http.server 8000', { background: true });
  await sandbox.files.write('ws_echo.py', webSocketEchoServer);
  await sandbox.commands.run('python3 ws_echo.py 8765', { background: true });
  await waitForPort(sandbox, 8000);
  await waitForPort(sandbox, 8765);
});
after(async () => { await sandbox?.kill().catch(() => {}); });

test('http.server is reached by host name: getHost(port) as the Host header', async () => {
  const host = sandbox.getHost(8000);
  assert.ok(host.startsWith(`8000-${sandbox.sandboxId}.`), host);
  const res = await proxyRequest({ host, path: '/hello.txt' });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.body, 'served from the sandbox');
});

test('http.server is reached by the E2b-Sandbox-Id and E2b-Sandbox-Port headers', async () => {
  const res = await proxyRequest({ headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': '8000' }, path: '/hello.txt' });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.body, 'served from the sandbox');
});

test('a WebSocket echo server answers through the proxy', async () => {
  assert.equal(await webSocketEcho({ host: sandbox.getHost(8765), message: 'ping' }), 'echo:ping');
});

test('a port nobody listens on is 502 with a JSON body; so is an unknown sandbox', async () => {
  const closed = await proxyRequest({ host: sandbox.getHost(8999) });
  assert.equal(closed.status, 502, closed.body);
  assert.doesNotThrow(() => JSON.parse(closed.body), closed.body);
  const unknown = await proxyRequest({ headers: { 'E2b-Sandbox-Id': 'sb-0123456789abcdef', 'E2b-Sandbox-Port': '8000' } });
  assert.equal(unknown.status, 502, unknown.body);
  assert.doesNotThrow(() => JSON.parse(unknown.body), unknown.body);
});

test('a paused auto-resume sandbox wakes on a proxied request', async () => {
  const sleepy = await Sandbox.create({ timeoutMs: 120_000, lifecycle: { onTimeout: 'pause', autoResume: true } });
  try {
    await sleepy.files.write('hi.txt', 'awake');
    await sleepy.commands.run('python3 -m http.server 8000', { background: true });
    await waitForPort(sleepy, 8000);
    assert.equal(await sleepy.pause(), true);
    assert.equal((await sleepy.getInfo()).state, 'paused');
    // At once: a pause drops the proxy's cached lookup (it used to send this request to the frozen server).
    const res = await proxyRequest({ host: sleepy.getHost(8000), path: '/hi.txt' });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, 'awake');
    assert.equal((await sleepy.getInfo()).state, 'running');
  } finally {
    await sleepy.kill().catch(() => {});
  }
});
