using Microsoft.Extensions.Logging;

namespace Wrenn.Tests.Shared;

/// <summary>One <c>[LoggerMessage]</c> method of a src assembly: its event id, level (None: the caller passes it), where it is, and its text.</summary>
public sealed record LogEvent(int Id, LogLevel Level, string Type, string Method, string Message);
