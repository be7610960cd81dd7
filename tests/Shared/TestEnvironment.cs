// Shared by the end-to-end tests and the benchmarks through a linked <Compile> item.
namespace Wrenn.Tests.Shared;

/// <summary>Where the binaries under test and the cached base image are (set by `make test`).</summary>
public static class TestEnvironment
{
    /// <summary>builds/ with wrenn, wrenn-cp, wrenn-agent, envd.</summary>
    public static string Builds =>
        Environment.GetEnvironmentVariable("WRENN_TEST_BUILDS") is { Length: > 0 } builds
            ? builds
            : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../builds"));

    /// <summary>$WRENN_DIR/images with a built 'minimal' image, shared read-only by every test.</summary>
    public static string Images =>
        Environment.GetEnvironmentVariable("WRENN_TEST_IMAGES") is { Length: > 0 } images ? images : "/var/lib/wrenn/images";

    public static string Wrenn => Path.Combine(Builds, "wrenn");

    /// <summary>Fails with what to do when the build or the image is missing, instead of failing obscurely later.</summary>
    public static void RequireBuildAndImage()
    {
        if (!File.Exists(Wrenn))
        {
            throw new InvalidOperationException($"{Wrenn} is missing: run 'make build' (or 'make test', which does everything)");
        }

        if (!File.Exists(Path.Combine(Images, "minimal", "manifest.json")))
        {
            throw new InvalidOperationException($"no minimal image in {Images}: run 'make image' (or 'make test')");
        }
    }
}
