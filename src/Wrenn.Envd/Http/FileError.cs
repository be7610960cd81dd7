namespace Wrenn.Envd.Http;

/// <summary>The error body of envd's HTTP endpoints, as E2B's envd writes it: <c>{"message","code"}</c>.</summary>
public sealed record FileError(string Message, int Code);
