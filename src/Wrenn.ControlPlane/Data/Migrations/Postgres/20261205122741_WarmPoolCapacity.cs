using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WarmPoolCapacity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "pooled_memory_mb",
                table: "hosts",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "pooled_vcpus",
                table: "hosts",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "pooled_memory_mb",
                table: "hosts");

            migrationBuilder.DropColumn(
                name: "pooled_vcpus",
                table: "hosts");
        }
    }
}
