namespace HealthService.Endpoints;

/// <summary>
/// Admission to the read-only operator views (the details view, the history, the status page): the same for each, so
/// a caller that may read one may read all. A caller not admitted gets <c>404</c> on any method, exactly as on an
/// unknown path; an admitted one gets <c>405</c> for a method other than GET or HEAD.
/// </summary>
internal static class OperatorRead
{
    /// <summary>Whether to answer; when not, the response (<c>404</c> or <c>405</c>) is already set.</summary>
    public static bool Admit(HttpContext context, OperatorAccess access)
    {
        if (!OperatorAccess.MayReadDetails(access.Identify(context)))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return false;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return false;
        }

        return true;
    }
}
