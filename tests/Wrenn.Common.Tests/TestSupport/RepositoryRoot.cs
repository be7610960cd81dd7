namespace Wrenn.Common.Tests.TestSupport;

/// <summary>The checkout the tests were built from: the directory above the test binaries that holds Wrenn.slnx.</summary>
public static class RepositoryRoot
{
    public static string Find()
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
}
