using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>
/// A logger provider that keeps each line with its scopes, as the JSON console formatter writes them,
/// so a test can ask which sandbox a line was written for.
/// </summary>
public sealed class ScopedLogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<ScopedLogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<ScopedLogEntry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new ScopedLogCaptureLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal IExternalScopeProvider Scopes => _scopes;

    internal void Add(ScopedLogEntry entry) => _entries.Enqueue(entry);
}
