namespace Wrenn.Common.Errors;

/// <summary>
/// Machine-readable codes carried in the API's error envelope
/// <c>{"error":{"code":"...","message":"..."}}</c>. Clients switch on these, never on messages.
/// </summary>
public static class ErrorCodes
{
    /// <summary>400: the request is malformed or a field is out of range.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>401: no credentials, or credentials that are not valid.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: valid credentials that may not do this.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>404: no such resource in the caller's team.</summary>
    public const string NotFound = "not_found";

    /// <summary>405: the path exists but does not take this method (the Allow header lists the ones it takes).</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>409: the resource is in a state that does not allow this.</summary>
    public const string Conflict = "conflict";

    /// <summary>413: the request body is larger than allowed.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>429: too many attempts; wait and try again.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>429: the team holds all its quota allows (sandboxes, vCPUs, memory, templates); nothing was created.</summary>
    public const string QuotaExceeded = "quota_exceeded";

    /// <summary>503: no host can take the work now; retrying later may succeed.</summary>
    public const string NoCapacity = "no_capacity";

    /// <summary>503: the control plane's database is not answering (stopped, restarting, overloaded); retry shortly.</summary>
    public const string DatabaseUnavailable = "database_unavailable";

    /// <summary>507: the disk that would hold the result (a host's $WRENN_DIR, or the database's) is full; nothing was made.</summary>
    public const string InsufficientStorage = "insufficient_storage";

    /// <summary>502: the host agent or the sandbox did not answer as it should.</summary>
    public const string HostUnavailable = "host_unavailable";

    /// <summary>504: the operation ran past its time limit.</summary>
    public const string Timeout = "timeout";

    /// <summary>501: the host's runtime cannot do this (yet), e.g. templates of VM sandboxes.</summary>
    public const string NotSupported = "not_supported";

    /// <summary>500: a fault on our side; the message says what, the log says more.</summary>
    public const string Internal = "internal";
}
