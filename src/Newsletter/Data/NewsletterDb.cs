using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Newsletter.Staff;

namespace Newsletter.Data;

/// <summary>
/// The one database of the service. Each feature keeps its entities and their
/// <see cref="IEntityTypeConfiguration{TEntity}"/> in its own folder; they are picked up here
/// so that adding a feature never means editing this file. Staff accounts (ASP.NET Core Identity) live in the same
/// database, so the Identity tables come from the base class and everything else from the assembly's configurations.
/// </summary>
public class NewsletterDb(DbContextOptions<NewsletterDb> options) : IdentityDbContext<StaffUser, IdentityRole, string>(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(NewsletterDb).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every DateTime we store is UTC; SQLite cannot compare DateTimeOffset, so we never use it.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }
}
