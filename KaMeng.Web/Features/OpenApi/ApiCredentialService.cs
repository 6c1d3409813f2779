using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.OpenApi;

/// <summary>A credential as issued: the secret appears here once and is never shown again.</summary>
public sealed record IssuedCredential(int Id, string KeyId, string Secret);

/// <summary>对接密钥: a station owner (or the platform) issues a key to a downstream user, approves it, and may revoke it.</summary>
public sealed class ApiCredentialService(IDbContextFactory<KaMengDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    readonly SecretProtector secrets = new(protection, "KaMeng.OpenApi.Secret.v1");

    public string Unprotect(string cipher) => secrets.Unprotect(cipher);

    public async Task<(IssuedCredential? Issued, string? Error)> IssueAsync(AuditActor actor, int stationId, string? userName, string? note, CancellationToken ct = default)
    {
        if (!actor.MaySee(stationId)) return (null, "无权为该站点签发密钥");
        if (string.IsNullOrWhiteSpace(userName)) return (null, "请填写下游用户名");
        if (note?.Length > 200) return (null, "备注不能超过 200 字");
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var userId = await db.Users.Where(u => u.NormalizedUserName == userName.Trim().ToUpperInvariant()).Select(u => u.Id).SingleOrDefaultAsync(ct);
        if (userId is null) return (null, "用户不存在");
        if (!await db.Stations.AnyAsync(s => s.Id == stationId, ct)) return (null, "站点不存在");
        var now = clock.GetUtcNow();
        var secret = ApiCredential.NewSecret();
        var credential = new ApiCredential
        {
            StationId = stationId, UserId = userId, KeyId = ApiCredential.NewKeyId(), SecretCipher = secrets.Protect(secret),
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(), Status = ApiCredentialStatus.PendingApproval, CreatedAt = now,
        };
        db.ApiCredentials.Add(credential);
        db.AuditEntries.Add(actor.Entry("api.credential.issue", credential.KeyId, userName.Trim(), now, stationId));
        await db.SaveChangesAsync(ct);
        return (new IssuedCredential(credential.Id, credential.KeyId, secret), null);
    }

    public Task<string?> ApproveAsync(AuditActor actor, int id, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "api.credential.approve", (c, now) => c.Approve(now), ct);

    public Task<string?> RevokeAsync(AuditActor actor, int id, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "api.credential.revoke", (c, now) => c.Revoke(now), ct);

    async Task<string?> ChangeAsync(AuditActor actor, int id, string action, Action<ApiCredential, DateTimeOffset> change, CancellationToken ct)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var credential = await db.ApiCredentials.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (credential is null) return "密钥不存在";
        var now = clock.GetUtcNow();
        try { change(credential, now); }
        catch (DomainException e) { return e.Message; }
        db.AuditEntries.Add(actor.Entry(action, credential.KeyId, null, now, credential.StationId));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Drops the nonces whose timestamp window has passed: such a request is refused for its timestamp before its
    /// nonce is looked at, so they guard nothing any more. Returns how many. (The scheduler calls this.)</summary>
    public async Task<int> DeleteExpiredNoncesAsync(CancellationToken ct = default)
    {
        var expired = clock.GetUtcNow().AddSeconds(-2 * OpenApiSignature.WindowSeconds);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiNonces.Where(n => n.CreatedAt < expired).ExecuteDeleteAsync(ct);
    }

    public async Task<List<(ApiCredential Credential, string? UserName)>> ListAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var rows = await (from c in db.ApiCredentials.AsNoTracking()
                          join u in db.Users on c.UserId equals u.Id
                          orderby c.Id descending
                          select new { c, u.UserName }).Take(500).ToListAsync(ct);
        return rows.Select(r => (r.c, (string?)r.UserName)).ToList();
    }
}
