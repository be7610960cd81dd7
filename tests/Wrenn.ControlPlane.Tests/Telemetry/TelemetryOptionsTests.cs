using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Tests.Telemetry;

/// <summary>WRENN_LOG_FORMAT, the metrics listen addresses and OTEL_EXPORTER_OTLP_ENDPOINT as the processes read them at start.</summary>
public sealed class TelemetryOptionsTests
{
    [Fact]
    public void Unset_means_text_logs_metrics_on_the_loopback_default_and_no_traces()
    {
        var options = Read([]);
        Assert.False(options.JsonLogs);
        Assert.Equal(new Wrenn.Common.Configuration.ListenAddress("127.0.0.1", 9464), options.MetricsListen);
        Assert.False(options.Tracing);
    }

    [Fact]
    public void Json_logs_another_metrics_address_and_an_otlp_endpoint_are_taken()
    {
        var options = Read(new()
        {
            [TelemetryEnvironment.LogFormat] = "json",
            [TelemetryEnvironment.ControlPlaneMetricsListenAddress] = "0.0.0.0:9100",
            [TelemetryEnvironment.OtlpEndpoint] = "http://127.0.0.1:4318",
        });
        Assert.True(options.JsonLogs);
        Assert.Equal(9100, options.MetricsListen!.Port);
        Assert.True(options.Tracing);
    }

    [Fact]
    public void Off_serves_no_metrics()
    {
        Assert.Null(Read(new() { [TelemetryEnvironment.ControlPlaneMetricsListenAddress] = "off" }).MetricsListen);
    }

    [Theory]
    [InlineData(TelemetryEnvironment.LogFormat, "yaml", "text or json")]
    [InlineData(TelemetryEnvironment.ControlPlaneMetricsListenAddress, "nowhere", "HOST:PORT, :PORT or off")]
    public void A_bad_value_stops_the_process_naming_the_variable_and_what_is_allowed(string variable, string value, string allowed)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(new() { [variable] = value }));
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    private static TelemetryOptions Read(Dictionary<string, string> environment) =>
        TelemetryOptions.FromEnvironment(
            "wrenn-cp",
            TelemetryEnvironment.ControlPlaneMetricsListenAddress,
            TelemetryEnvironment.DefaultControlPlaneMetricsListenAddress,
            name => environment.GetValueOrDefault(name));
}
