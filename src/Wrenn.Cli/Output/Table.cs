namespace Wrenn.Cli.Output;

/// <summary>Prints rows under a header with columns padded to their widest cell.</summary>
public static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = header.Select((_, column) => all.Max(row => column < row.Count ? row[column].Length : 0)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, column) => column == row.Count - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }

        if (all.Count == 1)
        {
            output.WriteLine("(none)");
        }
    }
}
