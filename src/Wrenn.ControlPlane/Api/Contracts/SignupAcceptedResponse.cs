namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// The answer to every well-formed sign-up, whether the address was free or taken, so that sign-up
/// does not tell anyone which addresses have accounts. The new user logs in next.
/// </summary>
public sealed record SignupAcceptedResponse(string Message);
