import { ConnectionError, errorFor } from './errors.js';
import type { Settings } from './config.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([502, 503, 504]);

/** Query values: arrays repeat the key, undefined is left out. */
export type Query = Record<string, string | number | string[] | undefined>;

/** The HTTP transport: fetch, the error envelope turned into typed errors, retries only where safe. */
export class Transport {
  constructor(public readonly settings: Settings) {}

  /** The full URL of an API path. */
  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
    }
    const text = params.toString();
    return this.settings.apiUrl + path + (text ? `?${text}` : '');
  }

  /** A JSON call; the decoded answer (undefined when empty). */
  async json<T = any>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const response = await this.request(method, path, {
      query,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends and returns the response with its body unread: the caller must read or cancel it, or its connection stays taken. GET/PUT/DELETE with a repeatable body retry on connection errors and 502/503/504. Failed answers throw typed errors. */
  async request(method: string, path: string, init: { query?: Query; body?: BodyInit; headers?: Record<string, string>; repeatable?: boolean } = {}): Promise<Response> {
    const retryable = IDEMPOTENT.has(method) && init.repeatable !== false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(this.url(path, init.query), {
          method,
          body: init.body,
          headers: { 'X-API-Key': this.settings.apiKey, 'User-Agent': 'wrenn-typescript/0.1', ...init.headers },
          // Streams as request bodies need half-duplex in Node's fetch.
          ...(init.body && typeof init.body === 'object' && 'getReader' in (init.body as object) ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (error) {
        if (retryable && attempt < this.settings.retryAttempts) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw new ConnectionError(`cannot reach ${this.settings.apiUrl}: ${(error as Error).message}`);
      }
      if (response.ok) return response;
      if (retryable && RETRY_STATUSES.has(response.status) && attempt < this.settings.retryAttempts) {
        await response.body?.cancel();
        await sleep(this.delay(attempt));
        continue;
      }
      throw await errorOf(response);
    }
  }

  private delay(attempt: number): number {
    return this.settings.retryDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
  }
}

/** The typed error for a failed response, from its envelope. */
export async function errorOf(response: Response): Promise<Error> {
  const text = await response.text();
  try {
    const envelope = JSON.parse(text).error ?? {};
    return errorFor(response.status, envelope.code, envelope.message);
  } catch {
    return errorFor(response.status, null, text || null);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
