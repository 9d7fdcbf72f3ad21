using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Staff;

public static class StaffServiceCollectionExtensions
{
    /// <summary>
    /// Staff accounts with ASP.NET Core Identity on <see cref="NewsletterDb"/>: hashed passwords, lockout, roles.
    /// The web host adds the cookie and the sign-in pages; this is what the CLI needs too.
    /// </summary>
    public static IServiceCollection AddStaff(this IServiceCollection services)
    {
        services.AddOptions<StaffOptions>().BindConfiguration(StaffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddIdentityCore<StaffUser>()
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<NewsletterDb>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddOptions<IdentityOptions>().Configure<IOptions<StaffOptions>>((identity, staff) =>
        {
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = staff.Value.MaxFailedAccessAttempts;
            identity.Lockout.DefaultLockoutTimeSpan = staff.Value.LockoutDuration;
            identity.Password.RequiredLength = staff.Value.MinimumPasswordLength;
            // Length beats composition rules (NIST SP 800-63B): a long passphrase is enough.
            identity.Password.RequireDigit = false;
            identity.Password.RequireLowercase = false;
            identity.Password.RequireUppercase = false;
            identity.Password.RequireNonAlphanumeric = false;
            identity.User.RequireUniqueEmail = true;
        });
        services.AddScoped<StaffAccounts>();
        services.AddSingleton<SetupToken>();
        services.AddSingleton<FirstRunSetup>();
        return services;
    }
}
