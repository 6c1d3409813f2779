using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.OpenApi;

/// <summary>A credential as requested: the secret appears here once, to the user who asked, and is never shown again.</summary>
public sealed record IssuedCredential(int Id, string KeyId, string Secret);

/// <summary>
/// 对接密钥. A key spends the wallet of its user, so only that user asks for one (their storefront account, 对接 / API);
/// the station whose catalogue it buys from (its owner, or platform staff) approves or revokes it. Nobody creates a key
/// for somebody else (decision record 0020).
/// </summary>
public sealed class ApiCredentialService(IDbContextFactory<KaMengDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    /// <summary>Requests a user may have waiting at one station: enough for a few sites, not a flood for the owner to wade through.</summary>
    public const int MaxPendingPerStation = 5;

    readonly SecretProtector secrets = new(protection, "KaMeng.OpenApi.Secret.v1");

    public string Unprotect(string cipher) => secrets.Unprotect(cipher);

    /// <summary>
    /// The signed-in user <paramref name="userId"/> asks for a key that spends their own wallet at <paramref name="stationId"/>;
    /// it waits for the station's approval. <paramref name="forUserName"/> is what a caller names as the key's user: anyone
    /// but the requester is refused, and nothing is written.
    /// </summary>
    public async Task<(IssuedCredential? Issued, string? Error)> RequestAsync(string userId, int stationId, string? note, string? forUserName = null, CancellationToken ct = default)
    {
        if (note?.Length > 200) return (null, "备注不能超过 200 字");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.Where(u => u.Id == userId).Select(u => new { u.Id, u.UserName, u.NormalizedUserName }).SingleOrDefaultAsync(ct);
        if (user is null) return (null, "请先登录");
        if (!string.IsNullOrWhiteSpace(forUserName) && forUserName.Trim().ToUpperInvariant() != user.NormalizedUserName)
            return (null, "对接密钥只能由使用它付款的用户本人申请：请该用户登录后在「对接 / API」页面自行申请");
        if (!await db.Stations.AnyAsync(s => s.Id == stationId && s.Status != StationStatus.Closed, ct)) return (null, "站点不存在或已关闭");
        if (await db.ApiCredentials.CountAsync(c => c.StationId == stationId && c.UserId == userId && c.Status == ApiCredentialStatus.PendingApproval, ct) >= MaxPendingPerStation)
            return (null, $"您在本站已有 {MaxPendingPerStation} 个待批准的申请，请等站长处理，或吊销不用的申请后再试");
        var now = clock.GetUtcNow();
        var secret = ApiCredential.NewSecret();
        var credential = new ApiCredential
        {
            StationId = stationId, UserId = userId, KeyId = ApiCredential.NewKeyId(), SecretCipher = secrets.Protect(secret),
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(), Status = ApiCredentialStatus.PendingApproval, CreatedAt = now,
        };
        db.ApiCredentials.Add(credential);
        db.AuditEntries.Add(new AuditEntry
        {
            Action = "api.credential.request", Target = credential.KeyId, Detail = credential.Note, UserId = userId, UserName = user.UserName,
            CreatedAt = now, StationId = stationId,
        });
        await db.SaveChangesAsync(ct);
        return (new IssuedCredential(credential.Id, credential.KeyId, secret), null);
    }

    /// <summary>The user's own keys at one station, newest first (never their secrets).</summary>
    public async Task<List<ApiCredential>> ListOwnAsync(string userId, int stationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiCredentials.AsNoTracking().Where(c => c.UserId == userId && c.StationId == stationId)
            .OrderByDescending(c => c.Id).Take(50).ToListAsync(ct);
    }

    /// <summary>A user revokes one of their own keys; another user's key is "not found" to them.</summary>
    public async Task<string?> RevokeOwnAsync(string userId, string? userName, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var credential = await db.ApiCredentials.SingleOrDefaultAsync(c => c.Id == id && c.UserId == userId, ct);
        if (credential is null) return "密钥不存在";
        var now = clock.GetUtcNow();
        try { credential.Revoke(now); }
        catch (DomainException e) { return e.Message; }
        db.AuditEntries.Add(new AuditEntry
        {
            Action = "api.credential.revoke.self", Target = credential.KeyId, UserId = userId, UserName = userName, CreatedAt = now, StationId = credential.StationId,
        });
        await db.SaveChangesAsync(ct);
        return null;
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

    /// <summary>The keys this actor's stations sell to (an owner: their station only; staff: every station), with each
    /// key's user and station.</summary>
    public async Task<List<(ApiCredential Credential, string? UserName, string StationName)>> ListAsync(AuditActor actor, CancellationToken ct = default)
    {
        await using var db = await actor.ScopedAsync(dbFactory, ct);
        var rows = await (from c in db.ApiCredentials.AsNoTracking()
                          join u in db.Users on c.UserId equals u.Id
                          join s in db.Stations on c.StationId equals s.Id
                          orderby c.Id descending
                          select new { c, u.UserName, s.Name }).Take(500).ToListAsync(ct);
        return rows.Select(r => (r.c, (string?)r.UserName, r.Name)).ToList();
    }
}
