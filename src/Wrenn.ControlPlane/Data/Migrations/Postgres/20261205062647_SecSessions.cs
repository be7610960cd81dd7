using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SecSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Keys get an id (the kid tokens carry) as primary key. The table is rebuilt by hand rather
            // than by dropping and adding the key, so that the existing rows keep their purpose as id:
            // tokens issued before this migration name exactly that kid and stay valid.
            // (PostgreSQL names constraints per schema: the old key's name must be free first.)
            migrationBuilder.DropPrimaryKey(
                name: "PK_signing_keys",
                table: "signing_keys");

            migrationBuilder.RenameTable(
                name: "signing_keys",
                newName: "signing_keys_before_rotation");

            migrationBuilder.CreateTable(
                name: "signing_keys",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    purpose = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    retired_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_signing_keys", x => x.id);
                });

            migrationBuilder.Sql("INSERT INTO signing_keys (id, purpose, key, created_at) SELECT purpose, purpose, key, created_at FROM signing_keys_before_rotation;");

            migrationBuilder.DropTable(
                name: "signing_keys_before_rotation");

            migrationBuilder.CreateTable(
                name: "exec_tickets",
                columns: table => new
                {
                    ticket_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    team_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    sandbox_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    api_key_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    user_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_exec_tickets", x => x.ticket_hash);
                    table.ForeignKey(
                        name: "FK_exec_tickets_teams_team_id",
                        column: x => x.team_id,
                        principalTable: "teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sessions",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    user_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sessions", x => x.id);
                    table.ForeignKey(
                        name: "FK_sessions_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_signing_keys_purpose",
                table: "signing_keys",
                column: "purpose");

            migrationBuilder.CreateIndex(
                name: "IX_exec_tickets_expires_at",
                table: "exec_tickets",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "IX_exec_tickets_team_id",
                table: "exec_tickets",
                column: "team_id");

            migrationBuilder.CreateIndex(
                name: "IX_sessions_user_id",
                table: "sessions",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "exec_tickets");

            migrationBuilder.DropTable(
                name: "sessions");

            migrationBuilder.DropPrimaryKey(
                name: "PK_signing_keys",
                table: "signing_keys");

            migrationBuilder.DropIndex(
                name: "IX_signing_keys_purpose",
                table: "signing_keys");

            migrationBuilder.DropColumn(
                name: "id",
                table: "signing_keys");

            migrationBuilder.DropColumn(
                name: "retired_at",
                table: "signing_keys");

            migrationBuilder.AddPrimaryKey(
                name: "PK_signing_keys",
                table: "signing_keys",
                column: "purpose");
        }
    }
}
