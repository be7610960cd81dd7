using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>One captured log line with the values of every scope it was written in (later scopes win).</summary>
public sealed record ScopedLogEntry(string Category, int EventId, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Scope);
