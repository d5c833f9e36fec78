using CocoonNet.Host.Plugins;

namespace CocoonNet.Tests.Unit;

/// <summary>The system.posix_acl_access bytes as the kernel returns them (captured with getfattr after setfacl).</summary>
public sealed class PosixAclTests
{
    // user::rw- user:nobody:rwx group::r-- mask::rwx other::r--
    private const string NobodyWrites = "0200000001000600ffffffff02000700feff000004000400ffffffff10000700ffffffff20000400ffffffff";

    [Fact]
    public void A_named_user_with_write_under_the_mask_can_write() =>
        Assert.Equal("user 65534", PosixAcl.WhoElseCanWrite(Convert.FromHexString(NobodyWrites)));

    [Fact]
    public void A_mask_without_write_takes_it_from_named_entries()
    {
        // mask::r-x
        var masked = NobodyWrites.Replace("10000700", "10000500", StringComparison.Ordinal);
        Assert.Null(PosixAcl.WhoElseCanWrite(Convert.FromHexString(masked)));
    }

    [Fact]
    public void A_named_group_with_write_can_write_and_root_entries_never_count()
    {
        // group:65534:rwx instead of the user entry
        Assert.Equal("group 65534", PosixAcl.WhoElseCanWrite(Convert.FromHexString(NobodyWrites.Replace("02000700feff0000", "08000700feff0000", StringComparison.Ordinal))));
        Assert.Null(PosixAcl.WhoElseCanWrite(Convert.FromHexString(NobodyWrites.Replace("02000700feff0000", "0200070000000000", StringComparison.Ordinal))));
    }

    [Fact]
    public void An_attribute_in_an_unknown_format_fails_closed()
    {
        Assert.NotNull(PosixAcl.WhoElseCanWrite([1, 0, 0, 0]));
        Assert.NotNull(PosixAcl.WhoElseCanWrite(Convert.FromHexString(NobodyWrites).AsSpan()[..^1]));
    }
}
