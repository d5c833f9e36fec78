namespace CocoonNet.Providers.Volcengine.Metadata;

/// <summary>What the instance metadata service says about this ECS instance.</summary>
internal sealed record InstanceMetadata(string InstanceId, string Region, string Zone, string VpcId, string InstanceType);
