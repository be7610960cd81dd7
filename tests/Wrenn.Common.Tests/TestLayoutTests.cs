using System.Text.RegularExpressions;

namespace Wrenn.Common.Tests;

/// <summary>
/// Each unit test project mirrors its src project folder for folder (a test of src/Wrenn.Agent/Storage/Cow/X.cs is
/// tests/Wrenn.Agent.Tests/Storage/Cow/XTests.cs), so the tests of a piece of code are found where the code is.
/// Shared helpers (fakes, fixtures) live in TestSupport/. Namespaces follow the folders.
/// </summary>
public sealed partial class TestLayoutTests
{
    private const string Support = "TestSupport";

    [Theory]
    [InlineData("Wrenn.Common")]
    [InlineData("Wrenn.Envd")]
    [InlineData("Wrenn.Agent")]
    [InlineData("Wrenn.ControlPlane")]
    [InlineData("Wrenn.Cli")]
    public void Every_test_file_is_in_a_folder_that_exists_in_the_src_project_it_tests(string project)
    {
        var root = RepositoryRoot.Find();
        var tests = Path.Combine(root, "tests", project + ".Tests");
        var src = Path.Combine(root, "src", project);
        Assert.True(Directory.Exists(src), "no " + src);

        var misplaced = SourceFiles(tests)
            .Select(file => Path.GetRelativePath(tests, Path.GetDirectoryName(file)!))
            .Where(folder => folder != "." && FirstSegment(folder) != Support && !Directory.Exists(Path.Combine(src, folder)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(misplaced.Count == 0,
            $"folders of tests/{project}.Tests with no src/{project} counterpart (move the files to the folder of the code they test, helpers to {Support}/): "
            + string.Join(", ", misplaced));
    }

    [Theory]
    [InlineData("Wrenn.Common")]
    [InlineData("Wrenn.Envd")]
    [InlineData("Wrenn.Agent")]
    [InlineData("Wrenn.ControlPlane")]
    [InlineData("Wrenn.Cli")]
    public void Every_test_file_namespace_follows_its_folder(string project)
    {
        var tests = Path.Combine(RepositoryRoot.Find(), "tests", project + ".Tests");

        var wrong = SourceFiles(tests)
            .Select(file => (File: Path.GetRelativePath(tests, file), Expected: ExpectedNamespace(project, tests, file), Actual: DeclaredNamespace(file)))
            .Where(f => f.Actual != f.Expected)
            .Select(f => $"{f.File} declares {f.Actual ?? "no namespace"}, expected {f.Expected}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    private static IEnumerable<string> SourceFiles(string tests)
    {
        var separator = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(path =>
            {
                var relative = separator + Path.GetRelativePath(tests, path);
                return !relative.Contains($"{separator}bin{separator}", StringComparison.Ordinal)
                    && !relative.Contains($"{separator}obj{separator}", StringComparison.Ordinal);
            });
    }

    private static string FirstSegment(string folder) => folder.Split(Path.DirectorySeparatorChar)[0];

    private static string ExpectedNamespace(string project, string tests, string file)
    {
        var folder = Path.GetRelativePath(tests, Path.GetDirectoryName(file)!);
        return folder == "." ? project + ".Tests" : project + ".Tests." + folder.Replace(Path.DirectorySeparatorChar, '.');
    }

    private static string? DeclaredNamespace(string file)
    {
        var match = NamespaceDeclaration().Match(File.ReadAllText(file));
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^namespace\s+([A-Za-z0-9_.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
