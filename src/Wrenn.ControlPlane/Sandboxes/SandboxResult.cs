using System.Diagnostics.CodeAnalysis;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>The answer of a sandbox operation: a value, or the error that stopped it.</summary>
public sealed class SandboxResult<T>
    where T : notnull
{
    private SandboxResult(T? value, SandboxError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public SandboxError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static SandboxResult<T> Ok(T value) => new(value, null);

    public static SandboxResult<T> Fail(SandboxError error) => new(default, error);

    public static implicit operator SandboxResult<T>(T value) => Ok(value);

    public static implicit operator SandboxResult<T>(SandboxError error) => Fail(error);
}
