namespace CocoonNet.Emulators.Gce;

/// <summary>Builds the emulator; the tests also host it in-process on loopback.</summary>
internal static class EmulatorApp
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var options = builder.Configuration.Get<EmulatorOptions>() ?? new EmulatorOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GceState>();

        var app = builder.Build();
        MetadataEndpoints.Map(app);
        ComputeEndpoints.Map(app);
        ControlEndpoints.Map(app);
        return app;
    }
}
