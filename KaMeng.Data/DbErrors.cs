using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KaMeng.Data;

public static class DbErrors
{
    /// <summary>
    /// The save broke a unique index or key, on any provider (PostgreSQL 23505; SQLite SQLITE_CONSTRAINT_UNIQUE 2067
    /// or SQLITE_CONSTRAINT_PRIMARYKEY 1555; SQL Server 2601 duplicate key in a unique index, 2627 unique or primary key
    /// constraint). Callers turn it into a business answer: a replayed nonce, a double-submitted
    /// checkout, a key imported twice, a station code or domain already taken.
    /// </summary>
    public static bool IsUniqueViolation(this DbUpdateException e) => e.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        Microsoft.Data.SqlClient.SqlException sql => sql.Number is 2601 or 2627,
        _ => false,
    };
}
