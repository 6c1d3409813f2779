using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace KaMeng.Data;

// Used by `dotnet ef migrations add … --context SqliteKaMengDbContext|PostgresKaMengDbContext`.
sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKaMengDbContext>
{
    public SqliteKaMengDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteKaMengDbContext>().UseSqlite("Data Source=design.db").Options);
}

sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresKaMengDbContext>
{
    public PostgresKaMengDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresKaMengDbContext>().UseNpgsql("Host=localhost;Database=kameng_design").Options);
}
