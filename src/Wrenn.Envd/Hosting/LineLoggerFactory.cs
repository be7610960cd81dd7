namespace Wrenn.Envd.Hosting;

/// <summary>
/// envd's loggers: <see cref="LineLoggerProvider"/>'s, at Information and above, and at Warning and above
/// for ASP.NET Core's and Kestrel's categories ("Microsoft.*": their information lines cost time and
/// fill the sandbox's console; envd logs its own start). In place of Microsoft.Extensions.Logging's
/// factory, whose filter options and rule selection envd's start paid for one fixed rule.
/// </summary>
public sealed class LineLoggerFactory(LineLoggerProvider provider) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        new LineLogger(categoryName, provider, MinimumLevel(categoryName));

    /// <summary>envd's loggers are fixed at start.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("envd logs to its console only");

    public void Dispose() => provider.Dispose();

    internal static LogLevel MinimumLevel(string category) =>
        category.StartsWith("Microsoft", StringComparison.Ordinal) ? LogLevel.Warning : LogLevel.Information;
}
