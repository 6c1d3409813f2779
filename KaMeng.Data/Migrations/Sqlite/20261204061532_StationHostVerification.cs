using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class StationHostVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "VerificationToken",
                table: "StationHosts",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "VerifiedAt",
                table: "StationHosts",
                type: "INTEGER",
                nullable: true);

            // Domains bound before verification existed wait for it too (one click once they point at the platform): a domain
            // bound to take over another station's name must not keep serving.
            migrationBuilder.Sql("UPDATE \"StationHosts\" SET \"VerificationToken\" = lower(hex(randomblob(16)))");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "VerificationToken",
                table: "StationHosts");

            migrationBuilder.DropColumn(
                name: "VerifiedAt",
                table: "StationHosts");
        }
    }
}
