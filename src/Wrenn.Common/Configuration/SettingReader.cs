using System.Globalization;

namespace Wrenn.Common.Configuration;

/// <summary>
/// Reads WRENN_* numbers with their allowed range. A value that is not a number, or is out of range,
/// throws an <see cref="ArgumentException"/> naming the variable, the value and what is allowed, so a
/// process stops at start with one line instead of a parse stack trace.
/// </summary>
/// <param name="read">Where variables come from (the environment unless a test says otherwise); blank means unset.</param>
public sealed class SettingReader(Func<string, string?> read)
{
    /// <summary>This process's environment (with .env already loaded into it).</summary>
    public static SettingReader Environment { get; } = new(WrennEnvironment.Get);

    /// <summary>The trimmed value, or null when unset or blank.</summary>
    public string? Get(string name) => read(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>A switch: on/true/1 or off/false/0, any case.</summary>
    public bool OnOff(string name, bool defaultValue)
    {
        if (Get(name) is not { } text)
        {
            return defaultValue;
        }

        return text.ToLowerInvariant() switch
        {
            "on" or "true" or "1" => true,
            "off" or "false" or "0" => false,
            _ => throw new ArgumentException($"{name}='{text}': must be on or off"),
        };
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public long Whole(string name, long defaultValue, long min, long max)
    {
        if (Get(name) is not { } text)
        {
            return defaultValue;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name}='{text}': must be a whole number from {min} to {max}");
    }

    /// <summary>A whole number of seconds from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public TimeSpan Seconds(string name, TimeSpan defaultValue, int min, int max)
    {
        if (Get(name) is not { } text)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException($"{name}='{text}': must be a whole number of seconds from {min} to {max}");
    }

    /// <summary>A decimal number (a dot, not a comma) from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public double Decimal(string name, double defaultValue, double min, double max)
    {
        if (Get(name) is not { } text)
        {
            return defaultValue;
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name}='{text}': must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (e.g. 1.5)");
    }
}
