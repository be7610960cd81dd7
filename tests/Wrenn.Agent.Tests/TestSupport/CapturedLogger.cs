using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>One category's logger of <see cref="CapturedLog"/>.</summary>
public sealed class CapturedLogger(string category, ConcurrentQueue<string> lines) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}
