using Microsoft.Extensions.Logging;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>One captured log line: its level, event id, category, text and the values of the scopes it was written in.</summary>
public sealed record CapturedEntry(LogLevel Level, EventId EventId, string Category, string Message, IReadOnlyDictionary<string, object?> ScopeValues);
