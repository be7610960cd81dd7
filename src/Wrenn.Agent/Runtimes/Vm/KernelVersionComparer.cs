namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// Orders kernel versions like "6.1.0-56-cloud-amd64" by their numbers (6.10 after 6.9, -56 after -9),
/// then by the rest as text: what "the highest semver wins" means for Debian's kernel names.
/// </summary>
public sealed class KernelVersionComparer : IComparer<string>
{
    public static KernelVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var left = Numbers(x ?? string.Empty);
        var right = Numbers(y ?? string.Empty);
        for (var i = 0; i < Math.Min(left.Count, right.Count); i++)
        {
            if (left[i] != right[i])
            {
                return left[i].CompareTo(right[i]);
            }
        }

        return left.Count != right.Count ? left.Count.CompareTo(right.Count) : string.CompareOrdinal(x, y);
    }

    private static List<long> Numbers(string version)
    {
        var numbers = new List<long>();
        foreach (var part in version.Split(['.', '-', '+', '~', '_']))
        {
            if (!long.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                break;
            }

            numbers.Add(number);
        }

        return numbers;
    }
}
