/** Base of every error the SDK throws. */
export class WrennError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No API URL or key: pass them, set WRENN_API_URL / WRENN_API_KEY, or run `wrenn up` / `wrenn login`. */
export class ConfigurationError extends WrennError {}

/** The control plane could not be reached (after retries, for idempotent calls). */
export class ConnectionError extends WrennError {}

/** The API answered with its error envelope; `status`, `code` and `serverMessage` are the server's. */
export class ApiError extends WrennError {
  constructor(
    /** The HTTP status. */ public readonly status: number,
    /** The server's error code, e.g. `not_found`. */ public readonly code: string,
    /** The server's message. */ public readonly serverMessage: string,
  ) {
    super(`${serverMessage} (${status} ${code})`);
  }
}

/** 400: malformed or out-of-range input. */
export class BadRequestError extends ApiError {}
/** 401: no key, or a key that is not valid. */
export class UnauthorizedError extends ApiError {}
/** 403: the sandbox's user may not do that. */
export class ForbiddenError extends ApiError {}
/** 404: no such sandbox (in your team), template or file. */
export class NotFoundError extends ApiError {}
/** 409: the sandbox's state does not allow the call (e.g. exec while paused). */
export class ConflictError extends ApiError {}
/** 501: the sandbox's runtime cannot do that yet. */
export class NotSupportedError extends ApiError {}
/** 500/502/503: the platform, host or sandbox failed or has no capacity. */
export class SandboxError extends ApiError {}
/** 504, or a command past its timeout. */
export class TimeoutError extends ApiError {}

/** Thrown by `commands.run(..., { check: true })` when the command exits non-zero. */
export class CommandExitError extends WrennError {
  constructor(public readonly result: { stdout: string; stderr: string; exitCode: number }) {
    super(`the command exited with ${result.exitCode}: ${result.stderr.slice(-500)}`);
  }
}

/** The typed error for a status and the server's envelope. */
export function errorFor(status: number, code?: string | null, message?: string | null): ApiError {
  const c = code ?? 'error';
  const m = message ?? `HTTP ${status}`;
  switch (status) {
    case 400: return new BadRequestError(status, c, m);
    case 401: return new UnauthorizedError(status, c, m);
    case 403: return new ForbiddenError(status, c, m);
    case 404: return new NotFoundError(status, c, m);
    case 409: return new ConflictError(status, c, m);
    case 501: return new NotSupportedError(status, c, m);
    case 504: return new TimeoutError(status, c, m);
    default: return status >= 500 ? new SandboxError(status, c, m) : new ApiError(status, c, m);
  }
}
