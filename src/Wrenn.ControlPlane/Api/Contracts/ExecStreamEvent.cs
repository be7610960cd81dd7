using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// What exec/stream sends: <c>started{pid}</c>, <c>stdout</c>/<c>stderr{data, encoding}</c> as output
/// comes, then <c>exit{exit_code, status, timed_out}</c> — or <c>error{code, message}</c>.
/// </summary>
public sealed record ExecStreamEvent(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? Pid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Data = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Encoding = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ExitCode = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? TimedOut = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);
