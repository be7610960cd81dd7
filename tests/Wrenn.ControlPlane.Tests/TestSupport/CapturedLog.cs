using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>Everything a control plane under test logs, kept in memory so a test can look for a line.</summary>
/// <param name="minimum">The lowest level kept (Information unless a test looks for Debug lines).</param>
public sealed class CapturedLog(LogLevel minimum = LogLevel.Information) : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<CapturedEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The same lines with their event ids and the scopes (sandbox id, …) they were written in.</summary>
    public IReadOnlyCollection<CapturedEntry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new CapturedLogger(categoryName, _lines, _entries, () => _scopes, minimum);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }
}
