namespace Wrenn.Bench.Measurements;

/// <summary>How the bench hands envd its listening socket (see <see cref="EnvdProcess"/>).</summary>
public enum EnvdStartMode
{
    /// <summary>envd binds --listen itself; the bench polls until it answers.</summary>
    Port,

    /// <summary>The bench listens first and passes the socket as fd 3 with LISTEN_FDS=1.</summary>
    InheritedSocket,
}
