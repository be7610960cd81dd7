using System.Globalization;
using Wrenn.Common.Configuration;
using Wrenn.ControlPlane.Quotas;

namespace Wrenn.ControlPlane.Accounts;

/// <summary>Reads sign-up and quota settings from the environment into the options, refusing bad values.</summary>
public static class AccountEnvironment
{
    public const string Signup = "WRENN_SIGNUP";
    public const string QuotaSandboxes = "WRENN_QUOTA_SANDBOXES";
    public const string QuotaVcpus = "WRENN_QUOTA_VCPUS";
    public const string QuotaMemoryMb = "WRENN_QUOTA_MEMORY_MB";
    public const string QuotaTemplates = "WRENN_QUOTA_TEMPLATES";
    public const string QuotaTemplateBytes = "WRENN_QUOTA_TEMPLATE_BYTES";

    /// <summary>Null when every variable was usable, else what to tell the operator.</summary>
    public static string? Apply(ControlPlaneOptions options)
    {
        var mode = WrennEnvironment.Get(Signup, "closed");
        if (!TryParseSignup(mode, out var signup))
        {
            return $"{Signup}='{mode}': use closed, invite or open";
        }

        var defaults = QuotaLimits.Defaults;
        try
        {
            options.Signup = signup;
            options.Quotas = new QuotaLimits(
                (int)Read(QuotaSandboxes, defaults.Sandboxes, int.MaxValue),
                (int)Read(QuotaVcpus, defaults.Vcpus, int.MaxValue),
                Read(QuotaMemoryMb, defaults.MemoryMb, long.MaxValue),
                (int)Read(QuotaTemplates, defaults.Templates, int.MaxValue),
                Read(QuotaTemplateBytes, defaults.TemplateBytes, long.MaxValue));
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    public static bool TryParseSignup(string text, out SignupMode mode)
    {
        mode = text.ToLowerInvariant() switch
        {
            "closed" => SignupMode.Closed,
            "invite" => SignupMode.Invite,
            "open" => SignupMode.Open,
            _ => (SignupMode)(-1),
        };
        return Enum.IsDefined(mode);
    }

    private static long Read(string name, long defaultValue, long max)
    {
        var text = WrennEnvironment.Get(name);
        if (text is null)
        {
            return defaultValue;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max
            ? value
            : throw new FormatException($"{name}='{text}': use a whole number from 0 to {max}");
    }
}
