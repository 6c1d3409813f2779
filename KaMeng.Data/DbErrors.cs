using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KaMeng.Data;

public static class DbErrors
{
    /// <summary>
    /// The save broke a unique index or key, on either provider (PostgreSQL 23505; SQLite SQLITE_CONSTRAINT_UNIQUE 2067
    /// or SQLITE_CONSTRAINT_PRIMARYKEY 1555). Callers turn it into a business answer: a replayed nonce, a double-submitted
    /// checkout, a key imported twice, a station code or domain already taken.
    /// </summary>
    public static bool IsUniqueViolation(this DbUpdateException e) => e.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
