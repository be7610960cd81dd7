using System.Text.RegularExpressions;

namespace Wrenn.Common.Tests.Configuration;

/// <summary>docs/configuration.md names every WRENN_* variable the code reads, so no setting is configurable only by reading the source.</summary>
public sealed partial class ConfigurationDocsTests
{
    [Fact]
    public void Every_wrenn_variable_in_the_code_is_in_docs_configuration_md()
    {
        var root = RepositoryRoot();
        var docs = File.ReadAllText(Path.Combine(root, "docs", "configuration.md"));
        var names = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => VariableName().Matches(File.ReadAllText(path)).Select(m => m.Value))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("WRENN_DIR", names);
        var undocumented = names.Where(name => !docs.Contains($"`{name}`", StringComparison.Ordinal)).ToList();
        Assert.True(undocumented.Count == 0, "docs/configuration.md lacks: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void The_docs_do_not_say_a_runtime_the_code_has_is_missing_from_this_build()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));
        Assert.DoesNotContain("not in this build", docs, StringComparison.OrdinalIgnoreCase);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wrenn.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no Wrenn.slnx above " + AppContext.BaseDirectory);
    }

    // A whole name: prefixes such as "WRENN_PROXY_" (followed by _ or *) are families, not variables.
    [GeneratedRegex(@"\bWRENN_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_*])")]
    private static partial Regex VariableName();
}
