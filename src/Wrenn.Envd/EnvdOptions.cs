namespace Wrenn.Envd;

/// <summary>envd's settings, from its command line.</summary>
public sealed class EnvdOptions
{
    public const int DefaultPort = 49983;

    /// <summary>Kestrel URL to listen on; every interface on port 49983 by default.</summary>
    public string ListenUrl { get; set; } = $"http://0.0.0.0:{DefaultPort}";

    /// <summary>User that processes and files belong to when a call names none.</summary>
    public string DefaultUser { get; set; } = "user";

    /// <summary>A stream that carried nothing for this long gets a keepalive event, so proxies keep it open.</summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>Output chunks buffered per process stream before the process is made to wait (backpressure).</summary>
    public int OutputBufferChunks { get; set; } = 16;

    /// <summary>Largest single read from a process's stdout or stderr.</summary>
    public int OutputChunkBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// A listening socket passed in by whoever started envd (LISTEN_FDS=1, fd 3: see
    /// <see cref="Hosting.SocketActivation"/>), served instead of binding <see cref="ListenUrl"/>; null = none.
    /// </summary>
    public int? ListenDescriptor { get; set; }

    /// <summary>How long after its start envd hands the memory its start-up used back to the kernel (<see cref="Hosting.StartupMemoryTrim"/>).</summary>
    public TimeSpan MemoryTrimDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The token calls must carry until /init replaces it; null = none was given, and only /health is served.</summary>
    public string? AccessToken { get; set; }

    /// <summary>
    /// True in a Wrenn VM (the token came from the kernel command line): the guest clock is envd's to
    /// set from /init, and it lags after every restore. Elsewhere the clock is the host's.
    /// </summary>
    public bool OwnsClock { get; set; }

    /// <summary>
    /// Whether servers that listen on localhost only are made reachable on the sandbox's own addresses,
    /// as E2B's envd does (0.2.2): on in a sandbox (envd started by its init, tini, as PID 1), off
    /// elsewhere, so an envd run on a host never opens that host's localhost services. --forward-ports.
    /// </summary>
    public bool ForwardLocalhostPorts { get; set; } = Ports.SandboxInit.IsParent();

    /// <summary>Where forwarded ports listen: empty = every IPv4 address of the sandbox's non-loopback interfaces. --forward-address.</summary>
    public List<System.Net.IPAddress> ForwardAddresses { get; } = [];

    /// <summary>How often envd looks for new and closed localhost listeners (E2B's envd: every second).</summary>
    public TimeSpan PortScanInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Parses --listen ADDR:PORT, --port N (or $ENVD_PORT), --default-user NAME, --keepalive-seconds N,
    /// --forward-ports on|off and --forward-address IP (repeatable),
    /// and takes the startup access token (see <see cref="Http.StartupAccessToken"/>) and a passed
    /// listening socket (see <see cref="Hosting.SocketActivation"/>).
    /// </summary>
    public static EnvdOptions FromArguments(IReadOnlyList<string> args)
    {
        var options = new EnvdOptions { ListenDescriptor = Hosting.SocketActivation.Take(Environment.ProcessId) };
        if (Http.StartupAccessToken.Take() is { } token)
        {
            options.AccessToken = token.Token;
            options.OwnsClock = token.FromKernelCommandLine;
        }

        if (Environment.GetEnvironmentVariable("ENVD_PORT") is { Length: > 0 } envPort)
        {
            options.ListenUrl = $"http://0.0.0.0:{int.Parse(envPort, System.Globalization.CultureInfo.InvariantCulture)}";
        }

        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port":
                    options.ListenUrl = $"http://0.0.0.0:{int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)}";
                    i++;
                    break;
                case "--listen":
                    options.ListenUrl = "http://" + value;
                    i++;
                    break;
                case "--default-user":
                    options.DefaultUser = value;
                    i++;
                    break;
                case "--keepalive-seconds":
                    options.KeepaliveInterval = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
                    i++;
                    break;
                case "--forward-ports":
                    options.ForwardLocalhostPorts = value switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new ArgumentException("--forward-ports takes on or off"),
                    };
                    i++;
                    break;
                case "--forward-address":
                    options.ForwardAddresses.Add(System.Net.IPAddress.Parse(value));
                    i++;
                    break;
                default:
                    throw new ArgumentException($"unknown argument {args[i]}; envd takes --port N, --listen HOST:PORT, --default-user NAME, --keepalive-seconds N, --forward-ports on|off, --forward-address IP, --version, --build-version");
            }
        }

        return options;
    }
}
