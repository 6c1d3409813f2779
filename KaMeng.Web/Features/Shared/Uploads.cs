using System.Security.Cryptography;
using KaMeng.Data;
using Microsoft.Extensions.Options;

namespace KaMeng.Web.Features.Shared;

/// <summary>The outcome of an upload: the URL path of the stored file, or a Chinese message saying why not.</summary>
public sealed record UploadResult(string? Path, string? Error)
{
    public bool Succeeded => Path is not null;
    public static UploadResult Fail(string error) => new(null, error);
}

/// <summary>
/// Files people upload, under the shared folder ("{SharedDir}/uploads/{folder}/", every node reads and writes the same; the data
/// dir when none is configured), served at /uploads/… by <see cref="UploadEndpoints.MapUploads"/>.
/// Only images: PNG, JPEG, GIF and WebP, told apart by their magic bytes; each under a new random name.
/// </summary>
public sealed class UploadStore(IOptions<KaMengOptions> options)
{
    public const long MaxImageBytes = 2 * 1024 * 1024;
    public const string UrlPrefix = "/uploads/";

    public string Root => SharedFolders.Uploads(options.Value.SharedRoot);

    public static string TooLargeMessage => $"图片不能超过 {MaxImageBytes / 1024 / 1024} MB";
    public const string WrongTypeMessage = "只支持 PNG、JPEG、GIF、WebP 格式的图片";

    /// <summary>Reads at most <see cref="MaxImageBytes"/> (+1 to notice more), checks the format and stores the image.</summary>
    public async Task<UploadResult> SaveImageAsync(string folder, Stream content, CancellationToken ct = default)
    {
        if (folder.Length == 0 || !folder.All(c => char.IsAsciiLetterLower(c) || c == '-'))
            throw new ArgumentException("Upload folders are lower-case names.", nameof(folder));
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxImageBytes) return UploadResult.Fail(TooLargeMessage);
        }
        if (buffer.Length == 0) return UploadResult.Fail("图片文件是空的");
        var format = ImageSniffer.Detect(buffer.GetBuffer().AsSpan(0, (int)Math.Min(buffer.Length, ImageSniffer.HeaderLength)));
        if (format is null) return UploadResult.Fail(WrongTypeMessage);

        var directory = Path.Combine(Root, folder);
        Directory.CreateDirectory(directory);
        var name = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + format.Extension;
        var temp = Path.Combine(directory, name + ".tmp");
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(file, ct);
        }
        File.Move(temp, Path.Combine(directory, name));
        return new UploadResult($"{UrlPrefix}{folder}/{name}", null);
    }

    /// <summary>True when <paramref name="urlPath"/> has the shape of a path this store hands out for <paramref name="folder"/>.</summary>
    public static bool IsStoredImagePath(string? urlPath, string folder)
    {
        if (urlPath is null || !urlPath.StartsWith($"{UrlPrefix}{folder}/", StringComparison.Ordinal)) return false;
        var name = urlPath[($"{UrlPrefix}{folder}/").Length..];
        var dot = name.IndexOf('.');
        return dot == 32 && name[..dot].All(char.IsAsciiHexDigitLower) && ImageFormat.ByExtension(name[dot..]) is not null && name.IndexOf('.', dot + 1) < 0;
    }

    /// <summary>The file behind a URL path below /uploads/, or null when the path is not one we could have stored.</summary>
    public string? Resolve(string relativePath, out ImageFormat? format)
    {
        format = null;
        if (string.IsNullOrEmpty(relativePath) || relativePath.Length > 200) return null;
        if (!relativePath.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.')) return null;
        if (relativePath.Split('/').Any(segment => segment.Length == 0 || segment.StartsWith('.'))) return null;
        format = ImageFormat.ByExtension(Path.GetExtension(relativePath));
        if (format is null) return null;
        var root = Path.GetFullPath(Root) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, relativePath));
        return full.StartsWith(root, StringComparison.Ordinal) && File.Exists(full) ? full : null;
    }
}

public static class UploadEndpoints
{
    /// <summary>Serves uploaded images at /uploads/{**path}: the stored type only, never sniffed by the browser.</summary>
    public static WebApplication MapUploads(this WebApplication app)
    {
        app.MapGet("/uploads/{**path}", (string? path, UploadStore store, HttpContext context) =>
        {
            var file = store.Resolve(path ?? "", out var format);
            if (file is null || format is null) return Results.NotFound();
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            // Names are random and never reused: the content at a URL never changes.
            headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.File(file, format.ContentType, enableRangeProcessing: true);
        }).AllowAnonymous();
        return app;
    }
}
