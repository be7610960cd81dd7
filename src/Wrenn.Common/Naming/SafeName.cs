using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Wrenn.Common.Naming;

/// <summary>
/// The allowlist every user-supplied name (image, template, snapshot) must pass before it is used in
/// a path, a command line or a resource name: lower-case letters, digits, '.', '_' and '-', starting
/// with a letter or digit, at most 63 characters. Checked at the API (400) and again in the agent.
/// </summary>
public static partial class SafeName
{
    public const int MaxLength = 63;

    public const string Rule =
        "1 to 63 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid([NotNullWhen(true)] string? name) =>
        name is not null && name.Length <= MaxLength && Pattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>Returns the name, or throws <see cref="ArgumentException"/> saying which rule it broke.</summary>
    public static string Require(string? name, string what)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"invalid {what} name '{name}': {Rule}", what);
        }

        return name;
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
