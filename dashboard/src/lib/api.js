import { session, signedOut } from './session.svelte.js';
import { navigate } from './router.svelte.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra) {
  const h = { ...extra };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  if (session.teamId) h['X-Team-Id'] = session.teamId;
  return h;
}

/** Calls the API; JSON in and out. A 401 ends the session and returns to sign-in. */
export async function api(method, path, body, options = {}) {
  const init = { method, headers: headers(options.headers) };
  if (body instanceof Blob || body instanceof ArrayBuffer) {
    init.body = body;
    init.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  if (response.status === 401 && !options.noRedirect) {
    signedOut();
    navigate('/sign-in', true);
  }
  if (!response.ok) {
    let code = 'error';
    let message = `${response.status} ${response.statusText}`;
    try {
      const error = (await response.json()).error;
      code = error.code;
      message = error.message;
    } catch {
      // not our error envelope
    }
    throw new ApiError(response.status, code, message);
  }
  if (options.raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body ?? {}, options);
export const del = (path, options) => api('DELETE', path, undefined, options);

export async function loadMe() {
  const me = await get('/v1/auth/me');
  session.me = me;
  if (!me.teams.some((t) => t.id === session.teamId)) {
    session.teamId = me.teams[0]?.id ?? null;
  }
  return me;
}

export function formatBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function age(iso) {
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** "KEY=value" lines into an object; blank lines are skipped. */
export function parsePairs(text) {
  const pairs = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`"${trimmed}" is not KEY=value`);
    pairs[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1);
  }
  return pairs;
}
