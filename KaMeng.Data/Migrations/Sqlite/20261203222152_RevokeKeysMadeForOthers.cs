using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RevokeKeysMadeForOthers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Data only: revoke the Open API keys somebody made for another user (decision record 0020).
            foreach (var sql in RevokeKeysMadeForOthersSql.Statements(RevokeKeysMadeForOthersSql.SqliteNow))
                migrationBuilder.Sql(sql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing: a key revoked because somebody else made it is not handed back into use.
        }
    }
}
