// What the platform suite shares: E2B's environment variables pointed at the Wrenn platform that
// scripts/with-platform.sh started, a second team's key, raw calls to the REST API and to the traffic
// proxy, a minimal WebSocket client (Node 20 has none built in), and polling.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this suite through scripts/with-platform.sh (tests/e2b-compat/run-platform-tests.sh)`);
  }
  return value;
}

export const apiUrl = required('WRENN_API_URL').replace(/\/$/, '');
export const proxyUrl = required('WRENN_PROXY_URL').replace(/\/$/, '');
const wrennKey = required('WRENN_API_KEY');

// E2B's SDKs read these on every call; nothing else tells them where Wrenn is. The key in E2B's
// spelling: some SDK versions insist on e2b_<hex>, and Wrenn takes it as the same key.
export const e2bKey = 'e2b_' + wrennKey.replace(/^wrn_/, '');
process.env.E2B_API_URL = apiUrl;
process.env.E2B_SANDBOX_URL = proxyUrl;
process.env.E2B_API_KEY = e2bKey;
delete process.env.E2B_DOMAIN;
delete process.env.E2B_DEBUG;

const proxy = new URL(proxyUrl);

/** A call to the REST API as E2B's SDKs make it; returns { status, body, headers }. */
export async function api(method, pathAndQuery, body, { key = e2bKey, raw = false } = {}) {
  const headers = { 'X-API-KEY': key };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(apiUrl + pathAndQuery, {
    method,
    headers,
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = text; }
  return { status: res.status, body: json, headers: res.headers };
}

/** An HTTP request to the traffic proxy with the given Host and headers; returns { status, body, headers }. */
export function proxyRequest({ host, headers = {}, method = 'GET', path: requestPath = '/' }) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method,
      path: requestPath,
      headers: { ...(host ? { Host: host } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('proxy request timed out')));
    req.end();
  });
}

/** Opens a WebSocket through the proxy, sends one text message and returns the first text message back. */
export function webSocketEcho({ host, headers = {}, message }) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      path: '/',
      headers: {
        ...(host ? { Host: host } : {}),
        ...headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
      },
    });
    req.setTimeout(30_000, () => req.destroy(new Error('WebSocket handshake timed out')));
    req.on('error', reject);
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('upgrade', (res, socket, head) => {
      const expected = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        reject(new Error('bad Sec-WebSocket-Accept'));
        return;
      }
      let buffer = head;
      socket.on('data', (d) => {
        buffer = Buffer.concat([buffer, d]);
        if (buffer.length < 2) return;
        let length = buffer[1] & 0x7f;
        let offset = 2;
        if (length === 126) { if (buffer.length < 4) return; length = buffer.readUInt16BE(2); offset = 4; }
        if (buffer.length < offset + length) return;
        const text = buffer.subarray(offset, offset + length).toString('utf8');
        socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
        socket.destroy();
        resolve(text);
      });
      socket.on('error', reject);
      // One masked text frame (clients must mask).
      const payload = Buffer.from(message, 'utf8');
      const mask = crypto.randomBytes(4);
      const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    });
    req.end();
  });
}

/**
 * An API key of another team: the platform's administrator (whose credentials wrenn up wrote into
 * the platform's directory) makes a team and a key for it.
 */
export async function foreignTeamKey() {
  const dir = required('WRENN_TEST_PLATFORM_DIR');
  const admin = JSON.parse(fs.readFileSync(path.join(dir, 'admin-credentials.json'), 'utf8'));
  const login = await (await fetch(`${apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  })).json();
  const session = { Authorization: `Bearer ${login.token}`, 'Content-Type': 'application/json' };
  const team = await (await fetch(`${apiUrl}/v1/teams`, { method: 'POST', headers: session, body: JSON.stringify({ name: 'e2b-foreign-' + crypto.randomBytes(3).toString('hex') }) })).json();
  const key = await (await fetch(`${apiUrl}/v1/api-keys`, { method: 'POST', headers: { ...session, 'X-Team-Id': team.id }, body: JSON.stringify({ name: 'foreign' }) })).json();
  if (!key.key) throw new Error('could not make a second team\'s key: ' + JSON.stringify({ team, key }));
  return key.key;
}

/** Polls until condition() is truthy (it may be async); returns its value. */
export async function waitFor(condition, describe, timeoutMs = 20_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out; saw: ' + (await describe()));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until something in the sandbox listens on the port. */
export async function waitForPort(sandbox, port) {
  const probe = `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 1)" && echo up || echo down`;
  await waitFor(async () => (await sandbox.commands.run(probe)).stdout.trim() === 'up', () => `nothing listens on ${port} in ${sandbox.sandboxId}`, 15_000, 100);
}

/**
 * A WebSocket echo server in the sandbox's Python standard library (the image has no websockets
 * package): handshake, then each text frame back.
 */
export const webSocketEchoServer = String.raw`
import base64, hashlib, socketserver, struct, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        key = None
        while True:
            line = self.rfile.readline().decode()
            if line in ('\r\n', '\n', ''): break
            k, _, v = line.partition(':')
            if k.strip().lower() == 'sec-websocket-key': key = v.strip()
        accept = base64.b64encode(hashlib.sha1((key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').encode()).digest()).decode()
        self.wfile.write(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n' % accept).encode())
        while True:
            head = self.rfile.read(2)
            if len(head) < 2: return
            op, n = head[0] & 0x0f, head[1] & 0x7f
            if n == 126: n = struct.unpack('>H', self.rfile.read(2))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b'\0\0\0\0'
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(n)))
            if op == 8: return
            out = ('echo:' + data.decode()).encode()
            self.wfile.write(bytes([0x81, len(out)]) + out)
            self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(('0.0.0.0', int(sys.argv[1])), H).serve_forever()
`;
