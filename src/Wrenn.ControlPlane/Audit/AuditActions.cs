namespace Wrenn.ControlPlane.Audit;

/// <summary>The actions the audit log records, as stored in audit_log.action.</summary>
public static class AuditActions
{
    public const string Signup = "auth.signup";
    public const string LoginSucceeded = "auth.login";
    public const string LoginFailed = "auth.login_failed";
    public const string Logout = "auth.logout";
    public const string PasswordChanged = "auth.password_changed";
    public const string InviteCreated = "invite.create";
    public const string InviteDeleted = "invite.delete";
    public const string ApiKeyCreated = "api_key.create";
    public const string ApiKeyDeleted = "api_key.delete";
    public const string ApiKeyRevoked = "api_key.revoke";
    public const string TeamCreated = "team.create";
    public const string MemberAdded = "team.member_add";
    public const string MemberRemoved = "team.member_remove";
    public const string QuotasChanged = "team.quotas_set";
    public const string HostCreated = "host.create";
    public const string HostRegistered = "host.register";
    public const string HostDeleted = "host.delete";
    public const string HostDrained = "host.drain";
    public const string HostUndrained = "host.undrain";
    public const string TemplateCreated = "template.create";
    public const string TemplateDeleted = "template.delete";
    public const string SandboxCreated = "sandbox.create";
    public const string SandboxDeleted = "sandbox.delete";
    public const string SandboxPaused = "sandbox.pause";
    public const string SandboxResumed = "sandbox.resume";
    public const string SandboxMoved = "sandbox.move";
}
