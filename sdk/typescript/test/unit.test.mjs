// Config resolution, error mapping and retries, against a loopback HTTP server (no platform).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wrenn from '../dist/esm/index.js';

async function serve(answers) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, key: req.headers['x-api-key'] });
    const [status, body] = answers.shift() ?? [200, {}];
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

const settings = (url) => ({ apiUrl: url, apiKey: 'wrn_test', retryAttempts: 3, retryDelayMs: 1 });

test('settings come from options, then the environment, then the config file', () => {
  const home = mkdtempSync(join(tmpdir(), 'wrenn-ts-'));
  mkdirSync(join(home, 'wrenn'));
  writeFileSync(join(home, 'wrenn', 'config.json'), JSON.stringify({ api_url: 'http://file:1', api_key: 'wrn_file' }));
  const saved = { ...process.env };
  try {
    process.env.XDG_CONFIG_HOME = home;
    delete process.env.WRENN_API_URL;
    delete process.env.WRENN_API_KEY;
    assert.equal(wrenn.resolveSettings().apiUrl, 'http://file:1');
    process.env.WRENN_API_URL = 'http://env:2/';
    assert.equal(wrenn.resolveSettings().apiUrl, 'http://env:2');
    assert.equal(wrenn.resolveSettings({ apiKey: 'wrn_opt' }).apiKey, 'wrn_opt');
    assert.throws(() => wrenn.resolveSettings({ apiUrl: 'ftp://x', apiKey: 'k' }), wrenn.ConfigurationError);
  } finally {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
  }
});

test('error envelopes become typed errors with the server code and message', async () => {
  for (const [status, kind] of [[400, wrenn.BadRequestError], [401, wrenn.UnauthorizedError], [403, wrenn.ForbiddenError], [404, wrenn.NotFoundError],
    [409, wrenn.ConflictError], [501, wrenn.NotSupportedError], [500, wrenn.SandboxError]]) {
    const server = await serve([[status, { error: { code: 'the_code', message: 'the message' } }]]);
    try {
      const transport = new wrenn.Transport({ ...settings(server.url), retryAttempts: 1 });
      await assert.rejects(transport.json('POST', '/x', {}), (error) => error instanceof kind && error.status === status && error.code === 'the_code' && error.serverMessage === 'the message');
      assert.equal(server.requests[0].key, 'wrn_test');
    } finally {
      await server.close();
    }
  }
});

test('idempotent calls retry on 503, posts do not', async () => {
  let server = await serve([[503, {}], [200, { ok: true }]]);
  try {
    assert.deepEqual(await new wrenn.Transport(settings(server.url)).json('GET', '/x'), { ok: true });
    assert.equal(server.requests.length, 2);
  } finally {
    await server.close();
  }
  server = await serve([[503, { error: { code: 'no_capacity', message: 'busy' } }], [200, {}]]);
  try {
    await assert.rejects(new wrenn.Transport(settings(server.url)).json('POST', '/x', {}), wrenn.SandboxError);
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test('connection errors become ConnectionError after retries', async () => {
  const server = await serve([]);
  const url = server.url;
  await server.close();
  await assert.rejects(new wrenn.Transport(settings(url)).json('GET', '/x'), wrenn.ConnectionError);
});
