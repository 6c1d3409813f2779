namespace KaMeng.Data.Migrations;

/// <summary>
/// The data of migration SplitWalletBuckets (decision record 0023), shared by both providers: each wallet's 余额 is split
/// into 余额 and 收益 from its ledger history. 收益 is what the wallet earned (分站收益), less its withdrawals and the refunds
/// that took back an earning of the same order, never below zero and never more than the balance it had (so 余额 never goes
/// negative). The move is written as two ledger entries (−x from 余额, +x to 收益), so each bucket stays equal to the sum of
/// its entries. Earnings booked before the split are available at once: they could be withdrawn before it too.
/// </summary>
public static class SplitWalletBucketsSql
{
    public const string Reason = "余额与收益拆分（升级）：历史收益转入收益账户";

    /// <summary>The statements, given the provider's SQL for "now" and for the greater/lesser of two values.</summary>
    public static string[] Statements(string now, string greatest, string least)
    {
        var earned = $"""
            {greatest}(0, {least}(w."Balance", (SELECT COALESCE(SUM(e."Amount"), 0) FROM "LedgerEntries" e
                WHERE e."WalletId" = w."Id" AND (e."Type" IN (3, 4) OR (e."Type" = 2 AND e."Amount" < 0 AND EXISTS (
                    SELECT 1 FROM "LedgerEntries" x WHERE x."WalletId" = e."WalletId" AND x."Type" = 3 AND x."OrderId" = e."OrderId"))))))
            """;
        return
        [
            // Both entries first, from the balances before the move (type 5 = 调整, which the sum above does not count).
            $"""
            INSERT INTO "LedgerEntries" ("WalletId", "Type", "Amount", "BalanceAfter", "OrderId", "StationId", "Reason", "OperatorUserId", "CreatedAt", "Bucket", "AvailableAt")
            SELECT s."Id", 5, -s."E", s."Balance" - s."E", NULL, NULL, '{Reason}', NULL, {now}, 0, NULL
            FROM (SELECT w."Id", w."Balance", {earned} AS "E" FROM "Wallets" w) s WHERE s."E" > 0
            """,
            $"""
            INSERT INTO "LedgerEntries" ("WalletId", "Type", "Amount", "BalanceAfter", "OrderId", "StationId", "Reason", "OperatorUserId", "CreatedAt", "Bucket", "AvailableAt")
            SELECT s."Id", 5, s."E", s."E", NULL, NULL, '{Reason}', NULL, {now}, 1, NULL
            FROM (SELECT w."Id", w."Balance", {earned} AS "E" FROM "Wallets" w) s WHERE s."E" > 0
            """,
            // Both columns from the row as it was (SQL evaluates every SET expression against the old row).
            $"""
            UPDATE "Wallets" AS w SET "Earnings" = {earned}, "Balance" = w."Balance" - {earned}
            """,
        ];
    }

    public const string SqliteGreatest = "MAX", SqliteLeast = "MIN", PostgresGreatest = "GREATEST", PostgresLeast = "LEAST";
}
