using System.CommandLine;
using Wrenn.Cli.Doctor;
using Wrenn.Common.Configuration;
using Wrenn.Common.Doctor;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn doctor`: checks this host for what Wrenn needs and says how to fix what is missing.</summary>
public static class DoctorCommand
{
    public static Command Create(StopSignal stop)
    {
        var wrennDir = new Option<string>("--wrenn-dir")
        {
            Description = $"State directory to check (default ${WrennEnvironment.Dir} or {WrennEnvironment.DefaultDir})",
        };
        var runtime = new Option<string>("--runtime")
        {
            Description = $"Runtime to check for: auto, container, qemu or firecracker (default ${WrennEnvironment.Runtime} or auto)",
        };
        var command = new Command("doctor", "Check this host (kernel features, cgroups, runc, QEMU, KVM, iptables, disk, ports, database, clock); exit 1 when something required is missing")
        {
            wrennDir, runtime,
        };
        command.SetAction(async (parse, _) =>
        {
            var settings = DoctorSettings.FromEnvironment(parse.GetValue(wrennDir), parse.GetValue(runtime));
            return await RunAsync(HostDoctor.ForThisHost(), settings, Console.Out, stop.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Prints the report; 0 when nothing required is missing, else 1.</summary>
    public static async Task<int> RunAsync(HostDoctor doctor, DoctorSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            // The agent runs as root; some answers (/dev/kvm, other users' ports) differ for anyone else.
            output.WriteLine("(not root: the agent runs as root, so some answers may differ; run sudo wrenn doctor to be sure)");
        }

        var report = await doctor.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        DoctorPrinter.WriteTable(output, report);
        return report.IsHealthy ? 0 : 1;
    }
}
