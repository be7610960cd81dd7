using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>One category's logger of <see cref="CapturedLog"/>.</summary>
public sealed class CapturedLogger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<CapturedEntry> entries, Func<IExternalScopeProvider> scopes, LogLevel minimum = LogLevel.Information) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => scopes().Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            var message = formatter(state, exception);
            lines.Enqueue($"{logLevel} {category}: {message}");
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            scopes().ForEachScope(
                static (scope, values) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            values[key] = value;
                        }
                    }
                },
                values);
            entries.Enqueue(new CapturedEntry(logLevel, eventId, category, message, values));
        }
    }
}
