using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PlanIntervalCount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Plans recorded before were counted as one interval each; 1 keeps them as they were.
            migrationBuilder.AddColumn<int>(
                name: "IntervalCount",
                table: "RecurringPlans",
                type: "integer",
                nullable: false,
                defaultValue: 1);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "IntervalCount",
                table: "RecurringPlans");
        }
    }
}
