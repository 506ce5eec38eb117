using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Security;
using ProtSt.Silo.Security;

namespace ProtSt.Silo.Monitoring;

/// <summary>The job view's pages (/ and /jobs/{id}) and their assets under /view; the pages read the job API (<c>Api.JobApiEndpoints</c>).</summary>
public static class JobViewEndpoints
{
    public static WebApplication MapJobView(this WebApplication app)
    {
        var files = new ManifestEmbeddedFileProvider(typeof(JobViewEndpoints).Assembly, "wwwroot");
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, RequestPath = "/view" });
        app.MapGet("/", () => Page(files, "index.html"));
        app.MapGet("/jobs/{id}", (string id, IOptions<SecurityOptions> security) =>
            JobIdRule.Problem(id, security.Value.MaxIdLength) is { } problem ? TypedResults.BadRequest(problem) : Page(files, "job.html"));
        return app;
    }

    private static IResult Page(ManifestEmbeddedFileProvider files, string name) =>
        Results.Stream(files.GetFileInfo(name).CreateReadStream(), "text/html; charset=utf-8");
}
