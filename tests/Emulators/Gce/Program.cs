using CocoonNet.Emulators.Gce;

// gce-emulator: the GCE metadata server and a Compute API subset, for cocoon-net's tests.
//   dotnet gce-emulator.dll --urls http://203.0.113.1:8080 [--Instance gke-node-1] [--OperationMilliseconds 300] ...
// Control endpoints (under /emulator) let tests seed state, inject faults and read a state dump.
await using var app = EmulatorApp.Create(args);
await app.RunAsync().ConfigureAwait(false);
