using Microsoft.AspNetCore.Http;
using ProtSt.Grains.Security;

namespace ProtSt.Silo.Security;

/// <summary>
/// Lets a request through only with the API key: <c>Authorization: Bearer</c>, <c>X-Api-Key</c>, or the cookie a browser
/// gets by opening any page once with <c>?key=</c> (so the job view's event stream and the dashboard's own requests
/// carry it). The health probes stay open.
/// </summary>
public sealed class ApiKeyGate(RequestDelegate next, string apiKey)
{
    /// <summary>The HttpOnly cookie holding the key for browsers.</summary>
    public const string CookieName = "protst_key";

    public const string HeaderName = "X-Api-Key";

    public const string QueryName = "key";

    private static readonly PathString[] Open = ["/healthz", "/readyz"];

    public async Task InvokeAsync(HttpContext context)
    {
        if (Open.Any(path => context.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var query = context.Request.Query[QueryName].ToString();
        if (query.Length > 0 && ClusterKey.Matches(query, apiKey))
        {
            // Remember the key for this browser, then drop it from the address so it stays out of history and Referer.
            context.Response.Cookies.Append(CookieName, apiKey, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
            });
            // The key was found ignoring case (?Key=, ?KEY=), so it is removed ignoring case: otherwise the redirect loops, key in the URL.
            var rest = context.Request.Query.Where(q => !string.Equals(q.Key, QueryName, StringComparison.OrdinalIgnoreCase)).SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v)));
            // Only ever to a path on this host: "//elsewhere" would be read by the browser as another host.
            var path = (context.Request.PathBase + context.Request.Path).ToUriComponent();
            context.Response.Redirect((path.StartsWith("//", StringComparison.Ordinal) || path.StartsWith("/\\", StringComparison.Ordinal) ? "/" : path) + QueryString.Create(rest));
            return;
        }

        if (ClusterKey.Matches(Presented(context.Request), apiKey))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsync(
            $"This host needs its API key ({SecurityOptions.ApiKeyName}): send 'Authorization: Bearer <key>' or '{HeaderName}: <key>', or open a page once with ?{QueryName}=<key>.\n",
            context.RequestAborted);
    }

    private static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (request.Headers.TryGetValue(HeaderName, out var header))
        {
            return header.ToString();
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) ? cookie : null;
    }
}
