namespace KaMeng.Web.Features.Orders;

public static class OrdersSetup
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PriceResolver>();
        builder.Services.AddSingleton<OrderEvents>();
        builder.Services.AddSingleton<CheckoutService>();
        builder.Services.AddSingleton<OrderService>();
        builder.Services.AddSingleton<WalletService>();
        builder.Services.AddScoped<CurrentAdmin>();
        return builder;
    }
}
