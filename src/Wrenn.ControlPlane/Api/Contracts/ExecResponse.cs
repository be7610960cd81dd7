namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// What a command printed and how it ended. <see cref="Encoding"/> is "utf-8" when both streams are
/// valid UTF-8 text, else "base64" and both are base64.
/// </summary>
public sealed record ExecResponse(
    string SandboxId,
    string Cmd,
    string Stdout,
    string Stderr,
    int ExitCode,
    long DurationMs,
    string Encoding);
