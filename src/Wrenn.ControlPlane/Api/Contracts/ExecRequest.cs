namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// Body of POST /v1/sandboxes/{id}/exec. With no <see cref="Args"/>, <see cref="Cmd"/> is a shell
/// command line (bash -l -c); with args, it is the program to run. <see cref="Pty"/> (exec/stream only)
/// runs it on a pseudo-terminal of that size.
/// </summary>
public sealed record ExecRequest(
    string? Cmd,
    List<string>? Args,
    Dictionary<string, string>? Env,
    string? Cwd,
    int? TimeoutSec,
    string? User,
    TerminalSize? Pty = null);
