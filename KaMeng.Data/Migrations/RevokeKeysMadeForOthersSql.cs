namespace KaMeng.Data.Migrations;

/// <summary>
/// The data of migration RevokeKeysMadeForOthers (decision record 0020), shared by both providers' migrations: an Open API
/// key that is not revoked and whose issue audit entry (written by the old "issue a key for a user" path) names someone
/// other than the key's user as the issuer is revoked, with one audit entry each. A key whose user issued it themselves,
/// or with no issue entry at all, is left as it is: only a key provably made by somebody else is taken away.
/// </summary>
public static class RevokeKeysMadeForOthersSql
{
    public const string Action = "api.credential.revoke.migration";

    // A not-revoked key (PendingApproval = 0, Active = 1) with an issue entry by anyone but its user (an unknown issuer counts).
    const string MadeForOthers = """
        c."Status" IN (0, 1) AND EXISTS (SELECT 1 FROM "AuditEntries" a
            WHERE a."Action" = 'api.credential.issue' AND a."Target" = c."KeyId" AND (a."UserId" IS NULL OR a."UserId" <> c."UserId"))
        """;

    /// <summary>The statements, given the provider's SQL for "now" as the column stores a DateTimeOffset. The audit entries
    /// go first: they select the same keys the update then revokes.</summary>
    public static string[] Statements(string now) =>
    [
        $"""
        INSERT INTO "AuditEntries" ("StationId", "UserId", "UserName", "Action", "Target", "Detail", "CreatedAt")
        SELECT c."StationId", NULL, '系统迁移', '{Action}', c."KeyId",
            '该密钥由 ' || COALESCE((SELECT a."UserName" FROM "AuditEntries" a
                WHERE a."Action" = 'api.credential.issue' AND a."Target" = c."KeyId" AND (a."UserId" IS NULL OR a."UserId" <> c."UserId")
                ORDER BY a."Id" LIMIT 1), '他人')
            || ' 代为签发，并非使用其余额付款的用户本人申请。对接密钥现在只能由用户本人申请（决策 0020），此密钥已在升级时吊销；如需继续对接，请该用户在「对接 / API」页面重新申请。',
            {now}
        FROM "ApiCredentials" c
        WHERE {MadeForOthers}
        """,
        $"""
        UPDATE "ApiCredentials" SET "Status" = 2, "RevokedAt" = {now}
        WHERE "Id" IN (SELECT c."Id" FROM "ApiCredentials" c WHERE {MadeForOthers})
        """,
    ];

    /// <summary>SQLite keeps a DateTimeOffset as EF Core's DateTimeOffsetToBinaryConverter writes it:
    /// ((ticks / 1000) &lt;&lt; 11) | offset minutes, offset 0 for UTC; ticks / 1000 = 621355968000000 + Unix ms × 10.</summary>
    public const string SqliteNow = "((CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 10 + 621355968000000) << 11)";

    public const string PostgresNow = "now()";
}
