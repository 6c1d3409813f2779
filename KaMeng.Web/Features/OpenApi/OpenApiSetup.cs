namespace KaMeng.Web.Features.OpenApi;

public static class OpenApiSetup
{
    public static WebApplicationBuilder AddOpenApiV1(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiCredentialService>();
        builder.Services.AddSingleton<OpenApiAuthenticator>();
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "KaMeng Open API";
            doc.Info.Version = OpenApiEndpoints.ProtocolVersion;
            doc.Info.Description = "对接接口。每个请求带 X-KaMeng-Key、X-KaMeng-Timestamp（Unix 秒，±300 秒）、X-KaMeng-Nonce（8–64 位，不可重复）和 "
                + "X-KaMeng-Signature = hex(HMAC-SHA256(secret, METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nhex(SHA256(body))))。"
                + "建议同时带 X-KaMeng-Content-SHA256 = hex(SHA256(body))：签名在读取请求体之前校验。请求体上限 64 KB（超出为 413）。";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapOpenApiV1Docs(this WebApplication app)
    {
        app.MapOpenApiV1();
        app.MapOpenApi("/openapi/{documentName}.json");
        // A browsable page of the document.
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "KaMeng Open API v1");
            o.RoutePrefix = "api/docs";
            o.DocumentTitle = "KaMeng Open API";
        });
        return app;
    }
}
