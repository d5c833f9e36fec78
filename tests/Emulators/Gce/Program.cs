using CocoonNet.Emulators.Gce;

// gce-emulator: the GCE metadata server and a Compute API subset, for cocoon-net's tests.
//   dotnet gce-emulator.dll --urls http://203.0.113.1:8080 [--Instance gke-node-1] [--OperationMilliseconds 300] ...
// Control endpoints (under /emulator) let tests seed state, inject faults and read a state dump.
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
await app.RunAsync().ConfigureAwait(false);
