using System.Text;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// envd's log: one line per entry on standard output (the sandbox's console), as
/// "level: Category[event] message exception". Written in place of Microsoft.Extensions.Logging.Console,
/// whose options and formatters cost envd's start a few dozen generic types that NativeAOT builds at
/// run time, and a thread of its own.
/// </summary>
public sealed class LineLoggerProvider(TextWriter output) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, this);

    public void Dispose()
    {
    }

    /// <summary>Writes one entry; entries from concurrent calls never interleave.</summary>
    internal void Write(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var line = new StringBuilder(Prefix(level).Length + category.Length + message.Length + 16)
            .Append(Prefix(level)).Append(": ").Append(category).Append('[').Append(eventId.Id).Append("] ").Append(message);
        if (exception is not null)
        {
            // One entry, one line: the console's reader splits on newlines.
            line.Append(' ').Append(exception.ToString().ReplaceLineEndings(" "));
        }

        lock (_gate)
        {
            output.WriteLine(line.ToString());
            output.Flush();
        }
    }

    private static string Prefix(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
