namespace Wrenn.Agent.Envd;

/// <summary>
/// Caps on what the agent reads from a sandbox's envd. envd runs inside the sandbox, so its answers are
/// the tenant's to shape: nothing it sends may grow the agent's memory without bound.
/// </summary>
public sealed class EnvdClientOptions
{
    /// <summary>The largest unary answer (a directory listing, a stat, a /files reply) read into memory.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest single Connect envelope of a stream (one chunk of a command's output).</summary>
    public int MaxStreamMessageBytes { get; set; } = ConnectEnvelopeReader.DefaultMaxMessageBytes;

    /// <summary>Error bodies are read up to this many bytes; the rest is dropped (the message only needs its start).</summary>
    public int MaxErrorBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The most entries one ListDir may return.</summary>
    public int MaxListEntries { get; set; } = 100_000;

    /// <summary>
    /// How long an /init may take (a few ms; ~100 ms in a VM under software emulation). The envd client has no
    /// deadline of its own (commands stream for as long as they run), and a create must never wait for good.
    /// </summary>
    public TimeSpan InitTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
