using Microsoft.Extensions.Logging;
using Wrenn.Common.Configuration;

namespace Wrenn.Telemetry;

/// <summary>
/// Log lines of the telemetry wiring shared by the daemons. Event ids 4000–4099 (4000–4999 is the range of
/// the shared projects: Common, Telemetry, Cli).
/// </summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Prometheus metrics on {Url}/metrics ({Variable})")]
    public static partial void MetricsServing(this ILogger logger, string url, string variable);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "No /metrics: cannot listen on {Listen} ({Reason}); set {Variable} to a free address or off")]
    public static partial void MetricsCannotListen(this ILogger logger, ListenAddress listen, string reason, string variable);
}
