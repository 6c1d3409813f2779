using KaMeng.Data;
using KaMeng.Data.Migrations;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace KaMeng.Tests.Data;

/// <summary>Migration RevokeKeysMadeForOthers (decision 0020) on data the old "issue a key for a user" path left behind.</summary>
public class ApiKeyMigrationTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_migration_revokes_keys_someone_made_for_another_user_with_an_audit_entry_each(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        string mine, before;
        await using (var ctx = db.NewContext())
        {
            var all = ctx.Database.GetMigrations().ToList();
            mine = all.Single(m => m.EndsWith("_RevokeKeysMadeForOthers"));
            before = all[all.IndexOf(mine) - 1];
            // Back to the schema just before it, where the old keys lived.
            await ctx.GetService<IMigrator>().MigrateAsync(before);
        }

        var longAgo = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        int demo;
        string admin, owner, buyer;
        await using (var ctx = db.NewContext())
        {
            demo = await ctx.Stations.Where(s => s.Code == "demo").Select(s => s.Id).SingleAsync();
            admin = await ctx.Users.Where(u => u.UserName == "admin").Select(u => u.Id).SingleAsync();
            owner = await ctx.Users.Where(u => u.UserName == "demo-owner").Select(u => u.Id).SingleAsync();
            buyer = await ctx.Users.Where(u => u.UserName == "demo-buyer").Select(u => u.Id).SingleAsync();
            void Key(string keyId, int station, string user, ApiCredentialStatus status, (string Id, string Name)? issuer)
            {
                ctx.ApiCredentials.Add(new ApiCredential { KeyId = keyId, StationId = station, UserId = user, SecretCipher = "cipher", Status = status, CreatedAt = longAgo,
                    ApprovedAt = status == ApiCredentialStatus.PendingApproval ? null : longAgo, RevokedAt = status == ApiCredentialStatus.Revoked ? longAgo : null });
                if (issuer is { } i)
                    ctx.AuditEntries.Add(new AuditEntry { Action = "api.credential.issue", Target = keyId, UserId = i.Id, UserName = i.Name, Detail = "demo-buyer", StationId = station, CreatedAt = longAgo });
            }
            Key("km_owner_for_buyer", demo, buyer, ApiCredentialStatus.Active, (owner, "demo-owner"));
            Key("km_admin_for_buyer", Station.MainStationId, buyer, ApiCredentialStatus.PendingApproval, (admin, "admin"));
            Key("km_owner_for_self", demo, owner, ApiCredentialStatus.Active, (owner, "demo-owner"));
            Key("km_no_issue_entry", Station.MainStationId, buyer, ApiCredentialStatus.Active, null);
            Key("km_already_revoked", demo, buyer, ApiCredentialStatus.Revoked, (owner, "demo-owner"));
            await ctx.SaveChangesAsync();
        }

        var started = DateTimeOffset.UtcNow;
        await using (var ctx = db.NewContext())
            await ctx.GetService<IMigrator>().MigrateAsync(mine);
        var finished = DateTimeOffset.UtcNow;

        await using (var ctx = db.NewContext())
        {
            var keys = await ctx.ApiCredentials.AsNoTracking().ToDictionaryAsync(c => c.KeyId);
            foreach (var revoked in new[] { "km_owner_for_buyer", "km_admin_for_buyer" })
            {
                Assert.Equal(ApiCredentialStatus.Revoked, keys[revoked].Status);
                Assert.InRange(keys[revoked].RevokedAt!.Value, started.AddMinutes(-1), finished.AddMinutes(1));
            }
            Assert.Equal(ApiCredentialStatus.Active, keys["km_owner_for_self"].Status);
            Assert.Null(keys["km_owner_for_self"].RevokedAt);
            Assert.Equal(ApiCredentialStatus.Active, keys["km_no_issue_entry"].Status);
            Assert.Equal(longAgo, keys["km_already_revoked"].RevokedAt);

            var entries = await ctx.AuditEntries.AsNoTracking().Where(a => a.Action == RevokeKeysMadeForOthersSql.Action).OrderBy(a => a.Target).ToListAsync();
            Assert.Equal(["km_admin_for_buyer", "km_owner_for_buyer"], entries.Select(e => e.Target));
            Assert.Equal([Station.MainStationId, demo], entries.Select(e => e.StationId!.Value));
            Assert.All(entries, e =>
            {
                Assert.Null(e.UserId);
                Assert.Contains("并非使用其余额付款的用户本人申请", e.Detail);
                Assert.InRange(e.CreatedAt, started.AddMinutes(-1), finished.AddMinutes(1));
            });
            Assert.Contains("由 admin 代为签发", entries[0].Detail);
            Assert.Contains("由 demo-owner 代为签发", entries[1].Detail);
        }

        // Up to the newest again: nothing after it undoes the revocation.
        await using (var ctx = db.NewContext())
        {
            await ctx.Database.MigrateAsync();
            Assert.Equal(ApiCredentialStatus.Revoked, (await ctx.ApiCredentials.SingleAsync(c => c.KeyId == "km_owner_for_buyer")).Status);
        }
    }
}
