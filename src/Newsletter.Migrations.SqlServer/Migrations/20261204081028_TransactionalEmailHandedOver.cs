using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class TransactionalEmailHandedOver : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "HandedOverAt",
                table: "TransactionalEmails",
                type: "datetime2",
                nullable: true);

            // Rows Sending at the upgrade were claimed by a version without the mark: they may be on the wire, so they
            // count as handed over (Unknown after the lease, as before), never as safe to send again.
            migrationBuilder.Sql("EXEC('UPDATE [TransactionalEmails] SET [HandedOverAt] = [ClaimedAt] WHERE [State] = 1')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "HandedOverAt",
                table: "TransactionalEmails");
        }
    }
}
