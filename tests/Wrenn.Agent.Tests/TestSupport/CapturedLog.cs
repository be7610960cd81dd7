using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Everything a control plane under test logs, kept in memory so a test can look for a line.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new CapturedLogger(categoryName, _lines);

    public void Dispose()
    {
    }
}
