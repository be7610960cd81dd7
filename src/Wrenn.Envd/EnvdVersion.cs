using System.Reflection;

namespace Wrenn.Envd;

/// <summary>envd's version, so clients can gate features on it.</summary>
public static class EnvdVersion
{
    public static string Current { get; } =
        typeof(EnvdVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
