namespace Wrenn.ControlPlane.Accounts;

/// <summary>Who may create an account through POST /v1/auth/signup (WRENN_SIGNUP).</summary>
public enum SignupMode
{
    /// <summary>Only with an invite an administrator made (the default).</summary>
    Closed,

    /// <summary>Only with an invite an administrator or a team owner (for their team) made.</summary>
    Invite,

    /// <summary>Anyone who reaches the API; an invite is still honoured (it adds its team).</summary>
    Open,
}
