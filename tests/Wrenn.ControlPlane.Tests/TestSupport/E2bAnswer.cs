using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>An E2B route's JSON answer and its X-Next-Token header.</summary>
public sealed record E2bAnswer(JsonElement Body, string? NextToken);
