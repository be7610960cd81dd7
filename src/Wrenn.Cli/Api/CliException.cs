namespace Wrenn.Cli.Api;

/// <summary>A failure found by the CLI itself before or around an API call (a missing file, a bad key=value): one line, exit 1.</summary>
public sealed class CliException(string message) : Exception(message);
