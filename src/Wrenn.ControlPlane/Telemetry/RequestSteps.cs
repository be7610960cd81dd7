using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// One request's time, split into the steps its work marks (authentication, the sandbox lookup, the
/// agent call, the database write, the audit entry…): what a person reads to see where an API call's
/// milliseconds go (<see cref="RequestStepsMiddleware"/> logs it at debug). Does nothing unless started,
/// so a request that is not timed pays one branch per mark.
/// </summary>
public sealed class RequestSteps
{
    private readonly List<(string Name, double Ms)> _steps = [];
    private long _started;
    private long _last;

    public bool Enabled => _started != 0;

    public void Start()
    {
        _started = Stopwatch.GetTimestamp();
        _last = _started;
    }

    /// <summary>Ends the step called <paramref name="name"/> (the time since the previous mark).</summary>
    public void Mark(string name)
    {
        if (_started == 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        _steps.Add((name, Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds));
        _last = now;
    }

    public double TotalMs => Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

    /// <summary>"auth=0.4 lookup=0.3 agent=5.1 rest=0.2": each step in order, the time after the last mark as "rest".</summary>
    public string Format()
    {
        var text = new StringBuilder();
        foreach (var (name, ms) in _steps)
        {
            text.Append(name).Append('=').Append(ms.ToString("F2", CultureInfo.InvariantCulture)).Append(' ');
        }

        return text.Append("rest=").Append(Stopwatch.GetElapsedTime(_last).TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture)).ToString();
    }
}
