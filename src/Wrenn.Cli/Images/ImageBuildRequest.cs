namespace Wrenn.Cli.Images;

/// <summary>What 'wrenn image build' was asked to do.</summary>
/// <param name="ImagesDirectory">$WRENN_DIR/images.</param>
/// <param name="EnvdBinary">The envd binary to put into the image.</param>
/// <param name="Force">Rebuild from scratch even when the cached image is current.</param>
public sealed record ImageBuildRequest(string Name, string ImagesDirectory, string EnvdBinary, bool Force);
