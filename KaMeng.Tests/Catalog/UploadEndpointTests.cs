using System.Net;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Catalog;
using KaMeng.Web.Features.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace KaMeng.Tests.Catalog;

public class UploadEndpointTests(KaMengApp app) : IClassFixture<KaMengApp>
{
    [Fact]
    public async Task An_uploaded_image_is_served_with_its_type_and_nosniff_also_under_a_station_path()
    {
        var store = app.Services.GetRequiredService<UploadStore>();
        var saved = await ProductImages.SaveAsync(store, new MemoryStream(ImageUploadTests.WebP));
        using var http = app.NewHttpClient();
        foreach (var url in new[] { saved.Path!, "/s/demo" + saved.Path })
        {
            var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal(ImageUploadTests.WebP, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Theory]
    [InlineData("/uploads/products/0123456789abcdef0123456789abcdef.png")]
    [InlineData("/uploads/../kameng.db")]
    [InlineData("/uploads/%2e%2e/kameng.db")]
    [InlineData("/uploads/..%2fkeys/card-key-pepper.bin")]
    [InlineData("/uploads/products/x.svg")]
    public async Task Anything_but_a_stored_image_is_not_found(string url)
    {
        using var http = app.NewHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(url)).StatusCode);
    }
}
