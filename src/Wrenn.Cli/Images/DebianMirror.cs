namespace Wrenn.Cli.Images;

/// <summary>
/// Finds the Debian archive debootstrap should use: $WRENN_DEBIAN_MIRROR when set, else the archive
/// this host's own apt is configured with for the same suite (so images come from where the host's
/// packages come from, and no address is written into Wrenn).
/// </summary>
public static class DebianMirror
{
    public const string EnvironmentVariable = "WRENN_DEBIAN_MIRROR";

    public static string Find(string suite, string aptRoot = "/etc/apt")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        var sources = new List<string>();
        var list = Path.Combine(aptRoot, "sources.list");
        if (File.Exists(list))
        {
            sources.Add(list);
        }

        var parts = Path.Combine(aptRoot, "sources.list.d");
        if (Directory.Exists(parts))
        {
            sources.AddRange(Directory.EnumerateFiles(parts).Where(f => f.EndsWith(".list", StringComparison.Ordinal) || f.EndsWith(".sources", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }

        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            var found = file.EndsWith(".sources", StringComparison.Ordinal) ? FromDeb822(text, suite) : FromOneLine(text, suite);
            if (found is not null)
            {
                return found;
            }
        }

        throw new InvalidOperationException(
            $"no Debian archive for '{suite}' in {aptRoot}/sources.list(.d); set {EnvironmentVariable} to a Debian mirror URL");
    }

    /// <summary>"deb [options] URI SUITE COMPONENTS…" lines.</summary>
    internal static string? FromOneLine(string text, string suite)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("deb ", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line[4..].Trim();
            if (fields.StartsWith('['))
            {
                var close = fields.IndexOf(']', StringComparison.Ordinal);
                fields = close < 0 ? string.Empty : fields[(close + 1)..].Trim();
            }

            var words = fields.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 3 && words[1] == suite && words.Skip(2).Contains("main"))
            {
                return words[0];
            }
        }

        return null;
    }

    /// <summary>deb822 stanzas with Types, URIs, Suites and Components fields.</summary>
    internal static string? FromDeb822(string text, string suite)
    {
        foreach (var stanza in text.Replace("\r", string.Empty, StringComparison.Ordinal).Split("\n\n"))
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var raw in stanza.Split('\n'))
            {
                if (raw.StartsWith('#'))
                {
                    continue;
                }

                var colon = raw.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && !char.IsWhiteSpace(raw[0]))
                {
                    fields[raw[..colon].Trim()] = raw[(colon + 1)..].Trim();
                }
            }

            if (fields.TryGetValue("Types", out var types) && types.Split(' ').Contains("deb")
                && fields.TryGetValue("Suites", out var suites) && suites.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(suite)
                && fields.TryGetValue("Components", out var components) && components.Split(' ').Contains("main")
                && fields.TryGetValue("URIs", out var uris))
            {
                return uris.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            }
        }

        return null;
    }
}
