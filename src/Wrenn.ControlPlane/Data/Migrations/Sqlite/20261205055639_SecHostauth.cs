using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SecHostauth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "token_generation",
                table: "hosts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "token_generation",
                table: "hosts");
        }
    }
}
