using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>
/// The REST verbs on /api/v1 and /apis/{group}/{version} (api-concepts, "Kubernetes API terminology"): create (POST
/// on the collection), get, list and watch (GET), update (PUT), patch (PATCH) and delete (DELETE).
/// LIST returns everything at once: limit/continue chunking is not modelled (a client that sends limit gets no
/// continue token, which the API allows: "the server may ... return the full list").
/// </summary>
internal static class ApiEndpoints
{
    public static void Map(WebApplication app)
    {
        app.Map("/api/{**rest}", Handle);
        app.Map("/apis/{**rest}", Handle);
        app.MapGet("/version", () => Results.Json(new { major = "1", minor = "34", gitVersion = "v1.34.0-kube-emulator", platform = "linux/amd64" }));
    }

    private static async Task<IResult> Handle(HttpContext context, Store store, EmulatorOptions options)
    {
        var request = context.Request;
        if (ApiPath.Parse(request.Path.Value ?? "") is not { } at)
        {
            return KubeStatus.Result(KubeStatus.Failure(404, "NotFound", "the server could not find the requested resource"));
        }

        var verb = Faults.VerbOf(request);
        switch (verb)
        {
            case "get":
                return store.Get(at) is { } obj ? Json(200, obj) : KubeStatus.Result(KubeStatus.NotFound(at.Resource, at.Name!));
            case "list":
            case "watch":
                var (selector, error) = Selector.Parse(request.Query["labelSelector"], request.Query["fieldSelector"]);
                if (selector is null)
                {
                    return KubeStatus.Result(KubeStatus.BadRequest(error!));
                }

                if (verb == "watch")
                {
                    await WatchStream.RunAsync(context, store, options, at, selector).ConfigureAwait(false);
                    return Results.Empty;
                }

                var (items, rv) = store.List(at.Resource, at.Namespace, selector);
                return Json(200, new JsonObject
                {
                    ["kind"] = at.Resource.Kind + "List",
                    ["apiVersion"] = at.Resource.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray([.. items]),
                });
            case "create" when at.Name is null:
                return await WithBody(context, at, body => Reply(store.Create(at, body))).ConfigureAwait(false);
            case "update" when at.Name is not null:
                return await WithBody(context, at, body => Reply(store.Update(at, body))).ConfigureAwait(false);
            case "patch" when at.Name is not null:
                JsonNode? patch;
                try
                {
                    patch = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                }
                catch (JsonException e)
                {
                    return KubeStatus.Result(KubeStatus.BadRequest($"error decoding patch: {e.Message}"));
                }

                try
                {
                    return Reply(store.Update(at, [], old => Patching.Apply(old, request.ContentType ?? "", patch)));
                }
                catch (PatchException e)
                {
                    return KubeStatus.Result(e.Code == 422
                        ? KubeStatus.Invalid(at.Resource, at.Name, e.Message)
                        : KubeStatus.Failure(e.Code, e.Code == 415 ? "UnsupportedMediaType" : "BadRequest", e.Message));
                }

            case "delete":
                // DeleteOptions in the body (delete-options docs): preconditions.uid / preconditions.resourceVersion.
                string? uid = null, resourceVersion = null;
                if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
                {
                    try
                    {
                        var options2 = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
                        uid = options2?["preconditions"]?["uid"]?.GetValue<string>();
                        resourceVersion = options2?["preconditions"]?["resourceVersion"]?.GetValue<string>();
                    }
                    catch (JsonException e)
                    {
                        return KubeStatus.Result(KubeStatus.BadRequest($"error decoding DeleteOptions: {e.Message}"));
                    }
                }

                return Reply(store.Delete(at, uid, resourceVersion));
            default:
                return KubeStatus.Result(KubeStatus.Failure(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({verb})"));
        }
    }

    private static async Task<IResult> WithBody(HttpContext context, ApiPath at, Func<JsonObject, IResult> then)
    {
        try
        {
            if (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) is JsonObject body)
            {
                if (body["kind"]?.GetValue<string>() is { } kind && kind != at.Resource.Kind)
                {
                    return KubeStatus.Result(KubeStatus.BadRequest($"the kind of the object ({kind}) does not match the resource ({at.Resource.Kind})"));
                }

                return then(body);
            }
        }
        catch (JsonException)
        {
        }

        return KubeStatus.Result(KubeStatus.BadRequest("the request body is not a JSON object"));
    }

    private static IResult Reply((int Code, JsonObject Body) answer) => Json(answer.Code, answer.Body);

    private static IResult Json(int code, JsonObject body) => Results.Text(body.ToJsonString(), "application/json", statusCode: code);
}
