namespace Wrenn.Agent.Os;

/// <summary>What a finished host command returned.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}
