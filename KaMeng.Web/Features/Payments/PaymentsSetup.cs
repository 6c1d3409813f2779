namespace KaMeng.Web.Features.Payments;

public static class PaymentsSetup
{
    public static WebApplicationBuilder AddPayments(this WebApplicationBuilder builder)
    {
        builder.Services.AddPaymentServices();
        if (builder.Environment.IsDevelopment()) builder.Services.AddSingleton<SandboxGateway>();
        return builder;
    }

    /// <summary>EPay checkout, notify, reconciliation and the return page's data, without UI (the app and the tests).</summary>
    public static IServiceCollection AddPaymentServices(this IServiceCollection services)
    {
        // Reconciliation and refunds call the gateway base URL an owner typed, with the merchant key: guarded, no redirects,
        // https only outside Development.
        services.AddHttpClient(EPayReconciliation.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15)).AddGatewayGuard();
        services.AddSingleton<GatewayKeys>();
        services.AddSingleton<GatewaySettingsService>();
        services.AddSingleton<EPayCheckout>();
        services.AddSingleton<EPayNotifications>();
        services.AddSingleton<EPayReconciliation>();
        services.AddSingleton<PaymentResults>();
        services.AddSingleton<PaymentIssueService>();
        services.AddSingleton<KaMeng.Web.Features.Orders.IRefundGateway, EPayRefunds>();
        return services;
    }

    public static WebApplication MapPayments(this WebApplication app)
    {
        // Plain text, as the protocol wants: "success" stops the gateway's retries; anything else asks it to retry later.
        app.MapGet("/pay/epay/notify", async (HttpRequest request, EPayNotifications notifications, CancellationToken ct) =>
            await notifications.HandleAsync(request.Query, ct) is PaymentOutcome.Rejected or PaymentOutcome.Alerted
                ? Results.Text("fail", "text/plain")
                : Results.Text("success", "text/plain"))
            .ExcludeFromDescription();
        // The sandbox gateway exists only in Development: in any other environment its routes are not mapped at all.
        if (app.Environment.IsDevelopment()) SandboxGateway.Map(app);
        return app;
    }
}
