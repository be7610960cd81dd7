using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Wrenn.Envd;

/// <summary>
/// What POST /init set and every later call uses: environment variables for new processes, the access
/// token, the default user and working directory. Starts from the command line's defaults and the
/// startup access token.
/// </summary>
public sealed class EnvdState(IOptions<EnvdOptions> options)
{
    private readonly Lock _gate = new();
    private string? _accessToken = options.Value.AccessToken;
    private string _defaultUser = options.Value.DefaultUser;
    private string? _defaultWorkdir;
    private DateTimeOffset? _lastInit;

    /// <summary>Variables every new process gets on top of envd's own environment.</summary>
    public ConcurrentDictionary<string, string> EnvVars { get; } = new(StringComparer.Ordinal);

    public string? AccessToken
    {
        get
        {
            lock (_gate)
            {
                return _accessToken;
            }
        }

        set
        {
            lock (_gate)
            {
                _accessToken = value;
            }
        }
    }

    public string DefaultUser
    {
        get
        {
            lock (_gate)
            {
                return _defaultUser;
            }
        }

        set
        {
            lock (_gate)
            {
                _defaultUser = value;
            }
        }
    }

    /// <summary>Working directory of processes that name none; null = the user's home.</summary>
    public string? DefaultWorkdir
    {
        get
        {
            lock (_gate)
            {
                return _defaultWorkdir;
            }
        }

        set
        {
            lock (_gate)
            {
                _defaultWorkdir = value;
            }
        }
    }

    /// <summary>
    /// True when an /init stamped <paramref name="timestamp"/> is newer than every one applied (or
    /// carries no stamp) and may be applied; records it. False for a replay or a late duplicate.
    /// </summary>
    public bool AcceptInitAt(DateTimeOffset? timestamp)
    {
        lock (_gate)
        {
            if (timestamp is { } stamp && _lastInit is { } last && stamp <= last)
            {
                return false;
            }

            if (timestamp is not null)
            {
                _lastInit = timestamp;
            }

            return true;
        }
    }
}
