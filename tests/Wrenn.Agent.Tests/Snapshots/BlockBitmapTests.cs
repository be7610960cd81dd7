using Wrenn.Agent.Snapshots;

namespace Wrenn.Agent.Tests.Snapshots;

public sealed class BlockBitmapTests
{
    [Fact]
    public void Finds_set_blocks_across_words_and_agrees_with_a_set()
    {
        TestSeed.ForEach(100, (random, _) =>
        {
            var length = random.NextInt64(1, 1000);
            var bitmap = new BlockBitmap(length);
            var expected = new SortedSet<long>();
            for (var i = 0; i < random.Next(50); i++)
            {
                var block = random.NextInt64(length);
                bitmap.Set(block);
                expected.Add(block);
            }

            var found = new List<long>();
            for (var block = bitmap.NextSet(0); block >= 0; block = bitmap.NextSet(block + 1))
            {
                found.Add(block);
            }

            Assert.Equal(expected, found);
            Assert.Equal(expected.Count, bitmap.CountSet());
        });
    }

    [Fact]
    public void Rejects_blocks_outside_it()
    {
        var bitmap = new BlockBitmap(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.Set(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.IsSet(-1));
        Assert.Equal(-1, bitmap.NextSet(10));
    }
}
