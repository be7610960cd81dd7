namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// What an exec/stream client sends after the start message: <c>{"type":"stdin","data":"..."}</c>
/// (with <c>"encoding":"base64"</c> for bytes), <c>{"type":"close_stdin"}</c>, or
/// <c>{"type":"signal","signal":"SIGTERM"|"SIGKILL"}</c>, or <c>{"type":"resize","cols":N,"rows":N}</c>
/// for a command started with a pty.
/// </summary>
public sealed record ExecStreamClientMessage(string? Type, string? Data, string? Encoding, string? Signal, int? Cols = null, int? Rows = null);
