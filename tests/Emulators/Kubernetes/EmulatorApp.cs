namespace CocoonNet.Emulators.Kubernetes;

/// <summary>Builds the emulator: the store, the fault switches, the API and control endpoints.</summary>
internal static class EmulatorApp
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var options = builder.Configuration.Get<EmulatorOptions>() ?? new EmulatorOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Store>();
        builder.Services.AddSingleton<Faults>();

        var app = builder.Build();
        app.Use(app.Services.GetRequiredService<Faults>().Middleware);
        ControlEndpoints.Map(app);
        ApiEndpoints.Map(app);
        return app;
    }
}
