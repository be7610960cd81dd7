using System.Runtime.CompilerServices;

namespace Wrenn.Agent.Tests;

/// <summary>
/// The test executable's entry point: what xunit would generate, plus test-host modes in which the same
/// executable stands in for a host program that the code under test starts as a real process (so the
/// real launch path runs: PATH lookup, namespaces, setsid, pid files, kill): <c>fake-firecracker</c>
/// (<see cref="FakeFirecrackerProcess"/>), and <c>uffd-serve</c>, the agent's own page server exactly
/// as <c>wrenn-agent uffd-serve</c> runs it (<see cref="Agent.Snapshots.Uffd.PageService.RunAsync"/>).
/// </summary>
internal static class TestHostProgram
{
    public static int Main(string[] args) => args switch
    {
        [FakeFirecrackerProcess.Verb, .. var rest] => FakeFirecrackerProcess.RunAsync(rest).GetAwaiter().GetResult(),
        ["uffd-serve", "--socket", var socket, "--snapshot", var snapshot] => Agent.Snapshots.Uffd.PageService.RunAsync(socket, snapshot, CancellationToken.None).GetAwaiter().GetResult(),
        _ => RunTests(args),
    };

    // Kept apart so that a test-host mode does not load the test framework.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RunTests(string[] args) =>
        args.Any(arg => arg is "--server" or "--internal-msbuild-node")
            ? Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult()
            : Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
}
