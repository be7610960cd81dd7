using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>One category's logger of <see cref="ScopedLogCapture"/>.</summary>
public sealed class ScopedLogCaptureLogger(string category, ScopedLogCapture capture) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => capture.Scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
        capture.Scopes.ForEachScope(
            (value, values) =>
            {
                if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var pair in pairs)
                    {
                        values[pair.Key] = pair.Value;
                    }
                }
            },
            scope);
        capture.Add(new ScopedLogEntry(category, eventId.Id, logLevel, formatter(state, exception), scope));
    }
}
