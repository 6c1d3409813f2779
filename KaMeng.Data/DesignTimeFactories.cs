using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace KaMeng.Data;

// Used by `dotnet ef migrations add … --context {Sqlite,Postgres,SqlServer}KaMengDbContext` (scripts/add-migration.sh):
// none of them connects, so no server is needed to add a migration or script one.
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

sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerKaMengDbContext>
{
    public SqlServerKaMengDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerKaMengDbContext>()
            .UseSqlServer("Server=localhost;Database=kameng_design;Integrated Security=true;TrustServerCertificate=true").Options);
}
