using System.Net;

namespace Wrenn.Envd.Ports;

/// <summary>A TCP socket in LISTEN state: the address it is bound to and its port.</summary>
public sealed record LocalListener(IPAddress Address, int Port);
