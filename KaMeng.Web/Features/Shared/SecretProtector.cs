using Microsoft.AspNetCore.DataProtection;

namespace KaMeng.Web.Features.Shared;

/// <summary>
/// A secret the app must read back (a gateway's merchant key, an Open API secret, an upstream supplier's secret), encrypted
/// at rest with Data Protection under its own purpose. The purpose strings are part of the stored data: never change one.
/// </summary>
public class SecretProtector(IDataProtectionProvider provider, string purpose)
{
    readonly IDataProtector protector = provider.CreateProtector(purpose);

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string cipher) => protector.Unprotect(cipher);
}
