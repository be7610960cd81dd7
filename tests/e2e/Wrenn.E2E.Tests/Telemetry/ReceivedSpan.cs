namespace Wrenn.E2E.Tests.Telemetry;

/// <summary>One span as an OTLP exporter sent it: which service and instrumentation scope, ids in hex, name.</summary>
public sealed record ReceivedSpan(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name);
