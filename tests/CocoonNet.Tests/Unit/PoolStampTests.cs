using CocoonNet.Host.Agent;

namespace CocoonNet.Tests.Unit;

/// <summary>The agent trusts the node it holds while pool.json's stamp is the one it read: any rewrite must change it.</summary>
public sealed class PoolStampTests
{
    [Fact]
    public void A_replaced_file_has_another_stamp_and_a_missing_one_none()
    {
        var directory = Directory.CreateTempSubdirectory("cocoon-net-stamp-");
        try
        {
            var path = Path.Combine(directory.FullName, "pool.json");
            Assert.Equal(PoolStamp.Missing, PoolStamp.Of(path));

            File.WriteAllText(path, "{}");
            var first = PoolStamp.Of(path);
            Assert.NotEqual(PoolStamp.Missing, first);
            Assert.Equal(first, PoolStamp.Of(path));

            // As every writer does: a new file renamed over the old one, even with the same content.
            var temp = path + ".tmp";
            File.WriteAllText(temp, "{}");
            File.Move(temp, path, overwrite: true);
            Assert.NotEqual(first, PoolStamp.Of(path));

            File.Delete(path);
            Assert.Equal(PoolStamp.Missing, PoolStamp.Of(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
