using KaMeng.Data;
using Microsoft.AspNetCore.Identity;

namespace KaMeng.Web.Features.Security;

/// <summary>Refuses the passwords every guessing list starts with, and the user name itself (with a few digits after it).</summary>
public sealed class CommonPasswordValidator : IPasswordValidator<AppUser>
{
    // The most common passwords of public leak lists (Chinese sites included), lower-cased; a password is refused when its
    // lower-case form is one of them, or one of them followed by a short run of digits or symbols.
    static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "123456", "1234567", "12345678", "123456789", "1234567890", "0123456789", "111111", "11111111", "000000", "00000000",
        "666666", "66666666", "888888", "88888888", "999999", "123123", "123123123", "654321", "87654321", "987654321",
        "112233", "121212", "123321", "147258", "147258369", "159357", "159753", "5201314", "520520", "1314520", "521521",
        "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword", "pass1234", "pass123", "passwd",
        "qwerty", "qwerty1", "qwerty12", "qwerty123", "qwertyuiop", "qwer1234", "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e",
        "zaq12wsx", "q1w2e3r4", "qazwsx", "qazwsx123", "asdfgh", "asdfghjkl", "asdf1234", "zxcvbnm", "zxcvbn", "1qazxsw2",
        "abc123", "abc12345", "abc123456", "abcd1234", "a123456", "a1234567", "a12345678", "a123456789", "aa123456", "aa12345678",
        "123456a", "123456aa", "12345678a", "123abc", "1234abcd", "abcdef", "abcdefg", "abcdefgh", "abcabc", "a1b2c3", "a1b2c3d4",
        "iloveyou", "iloveyou1", "woaini", "woaini1314", "woaini520", "woaini123", "wodemima", "mima123", "mima1234",
        "admin", "admin123", "admin1234", "admin888", "administrator", "root", "root123", "toor", "test", "test123", "test1234",
        "guest", "user", "user123", "login", "welcome", "welcome1", "welcome123", "letmein", "letmein1", "changeme", "default",
        "monkey", "dragon", "master", "shadow", "sunshine", "princess", "football", "baseball", "superman", "batman", "trustno1",
        "michael", "jennifer", "charlie", "jordan23", "freedom", "whatever", "starwars", "computer", "internet", "secret",
        "hello", "hello123", "hello1234", "helloworld", "loveme", "lovely", "flower", "killer", "hunter", "ranger", "soccer",
        "aaaaaa", "aaaaaaaa", "a1a1a1a1", "qqqqqq", "zzzzzz", "asd123", "asd12345", "qwe123", "qwe12345", "qweasd", "qweasdzxc",
        "zxc123", "zxc12345", "zxcv1234", "1a2b3c4d", "7758521", "5211314", "123qwe", "123qweasd", "123asd", "321321",
        "kameng", "kameng123", "kameng888", "shop123", "shop1234",
    };

    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password)
    {
        if (string.IsNullOrEmpty(password)) return Task.FromResult(IdentityResult.Success);
        var p = password.ToLowerInvariant();
        var stem = p.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '!', '.', '@', '#', '_', '-');
        var name = user.UserName?.ToLowerInvariant();
        if (IsCommon(p) || (stem.Length >= 4 && p.Length - stem.Length <= 4 && IsCommon(stem))
            || (name is { Length: > 0 } && (p == name || stem == name)))
            return Task.FromResult(IdentityResult.Failed(new IdentityError { Code = "PasswordTooCommon", Description = "密码太常见或与用户名相同，容易被猜到，请换一个" }));
        return Task.FromResult(IdentityResult.Success);
    }

    public static bool IsCommon(string password) => Common.Contains(password.ToLowerInvariant());
}
