using System.Text.Json;

namespace Wrenn.Cli.Images;

/// <summary>Recipes and wrenn-init, embedded in the CLI at build time from images/.</summary>
public static class EmbeddedFiles
{
    public const string InitResource = "images/wrenn-init";

    public static ImageRecipe LoadRecipe(string name)
    {
        using var stream = Open($"images/{name}/recipe.json")
            ?? throw new ArgumentException($"there is no image recipe named '{name}'; known: {string.Join(", ", RecipeNames())}");
        return JsonSerializer.Deserialize(stream, CliJsonContext.Default.ImageRecipe)
            ?? throw new InvalidDataException($"recipe {name} is empty");
    }

    /// <summary>The /init of the VM initramfs (a busybox script).</summary>
    public static byte[] LoadVmInitramfsInit()
    {
        using var stream = Open("images/vm/initramfs-init") ?? throw new InvalidOperationException("the VM initramfs init is not embedded in this build");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public static byte[] LoadInit()
    {
        using var stream = Open(InitResource) ?? throw new InvalidOperationException("wrenn-init is not embedded in this build");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public static IEnumerable<string> RecipeNames() =>
        typeof(EmbeddedFiles).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("images/", StringComparison.Ordinal) && n.EndsWith("/recipe.json", StringComparison.Ordinal))
            .Select(n => n["images/".Length..^"/recipe.json".Length]);

    private static Stream? Open(string resource) => typeof(EmbeddedFiles).Assembly.GetManifestResourceStream(resource);
}
