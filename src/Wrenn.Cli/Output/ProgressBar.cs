namespace Wrenn.Cli.Output;

/// <summary>A byte-count progress bar on stderr for copies, shown only when stderr is a terminal.</summary>
public sealed class ProgressBar(string label, long? total, bool quiet)
{
    private readonly bool _visible = !quiet && !Console.IsErrorRedirected;
    private DateTime _lastDraw = DateTime.MinValue;

    public long Done { get; private set; }

    public void Advance(long bytes)
    {
        Done += bytes;
        if (_visible && DateTime.UtcNow - _lastDraw > TimeSpan.FromMilliseconds(100))
        {
            Draw();
        }
    }

    public void Finish()
    {
        if (_visible)
        {
            Draw();
            Console.Error.WriteLine();
        }
    }

    private void Draw()
    {
        _lastDraw = DateTime.UtcNow;
        var mib = Done / 1048576.0;
        if (total is > 0 and var size)
        {
            var share = Math.Min(1.0, Done / (double)size);
            var filled = (int)(share * 30);
            Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', 30 - filled)}] {share * 100,3:F0}% {mib:F1} MiB");
        }
        else
        {
            Console.Error.Write($"\r{label} {mib:F1} MiB");
        }
    }
}
