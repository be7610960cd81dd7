namespace Wrenn.ControlPlane.Web;

/// <summary>What an exception says about the database: unreachable or busy for now, out of disk space, or neither.</summary>
public enum DatabaseFaultKind
{
    /// <summary>Not a database fault (a bug: answered 500).</summary>
    None,

    /// <summary>The database cannot be reached or is not accepting work now (stopped, restarting, too many connections, locked); retrying later may succeed.</summary>
    Unavailable,

    /// <summary>The disk holding the database (or a file the control plane writes) is full; nothing was written.</summary>
    Full,
}
