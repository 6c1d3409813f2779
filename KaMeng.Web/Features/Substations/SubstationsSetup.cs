namespace KaMeng.Web.Features.Substations;

public static class SubstationsSetup
{
    public static WebApplicationBuilder AddSubstations(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<SubstationService>();
        builder.Services.AddSingleton<PriceRuleService>();
        builder.Services.AddSingleton<WithdrawalService>();
        return builder;
    }
}
