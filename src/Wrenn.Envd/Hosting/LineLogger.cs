namespace Wrenn.Envd.Hosting;

/// <summary>A category's logger of <see cref="LineLoggerProvider"/>: writes entries at <paramref name="minimum"/> and above.</summary>
public sealed class LineLogger(string category, LineLoggerProvider provider, LogLevel minimum = LogLevel.Trace) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            provider.Write(logLevel, category, eventId, formatter(state, exception), exception);
        }
    }
}
