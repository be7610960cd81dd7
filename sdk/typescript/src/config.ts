import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from './errors.js';

/** Where the API is and which key to use. */
export interface ConnectionOptions {
  /** The control plane's URL (default WRENN_API_URL, else the config file). */
  apiUrl?: string;
  /** An API key `wrn_…` (default WRENN_API_KEY, else the config file). */
  apiKey?: string;
  /** Tries in all for idempotent calls on connection errors and 502/503/504 (default 4). */
  retryAttempts?: number;
  /** The first retry's delay in ms; later ones double, with jitter (default 200). */
  retryDelayMs?: number;
}

/** The resolved URL (no trailing slash) and key. */
export interface Settings {
  apiUrl: string;
  apiKey: string;
  retryAttempts: number;
  retryDelayMs: number;
}

/** `$XDG_CONFIG_HOME/wrenn/config.json` (default `~/.config/wrenn/config.json`), written by `wrenn up` and `wrenn login`. */
export function configPath(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'wrenn', 'config.json');
}

/** Each value from the options, else WRENN_API_URL / WRENN_API_KEY, else the config file. */
export function resolveSettings(options: ConnectionOptions = {}): Settings {
  let file: { api_url?: string; api_key?: string } = {};
  const path = configPath();
  if (existsSync(path)) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      file = {};
    }
  }
  const apiUrl = options.apiUrl || process.env.WRENN_API_URL || file.api_url;
  const apiKey = options.apiKey || process.env.WRENN_API_KEY || file.api_key;
  if (!apiUrl) throw new ConfigurationError(`no API URL: pass apiUrl, set WRENN_API_URL, or run 'wrenn up' (which writes ${path})`);
  if (!apiKey) throw new ConfigurationError(`no API key: pass apiKey, set WRENN_API_KEY, or run 'wrenn up' (which writes ${path})`);
  if (!/^https?:\/\//.test(apiUrl)) throw new ConfigurationError(`'${apiUrl}' is not an http(s) URL`);
  return { apiUrl: apiUrl.replace(/\/+$/, ''), apiKey, retryAttempts: options.retryAttempts ?? 4, retryDelayMs: options.retryDelayMs ?? 200 };
}
