using Parquet;
using Parquet.Schema;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

public sealed class LabelSetTests
{
    [Fact]
    public void Published_layout_reads_in_id_order_and_builds_both_prompt_variants()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Write("labels.tsv", "id\tname\tdescription\n1\tNucleus\tIn the nucleus.\n0\tCytoplasm\tIn the cytosol.\n");
        var labels = LabelSet.Read(path);
        Assert.Equal(["Cytoplasm", "Nucleus"], labels.Names);
        Assert.Equal(["SUBCELLULAR LOCATION: Cytoplasm.", "SUBCELLULAR LOCATION: Nucleus."], labels.Prompts(LabelField.Name));
        Assert.Equal(["In the cytosol.", "In the nucleus."], labels.Prompts(LabelField.Description));
        Assert.Equal(["Cytoplasm is the answer", "Nucleus is the answer"], labels.Prompts(LabelField.Name, "{name} is the answer"));
    }

    [Fact]
    public void The_shipped_default_matches_the_published_label_order()
    {
        var labels = LabelSet.Read(Path.Combine(AppContext.BaseDirectory, "configs", "labels", "subcellular-localization.tsv"));
        Assert.Equal(ProtStGolden.LocationNames, labels.Names);

        // The goldens' prompts are exactly the name variant of the default file.
        Assert.Equal(ProtStGolden.Load("protst-tiny").Prompts[..10], labels.Prompts(LabelField.Name));
    }

    [Theory]
    [InlineData("id\tdescription\n0\ta\n", "must name a 'name' column")]
    [InlineData("id\tname\n0\tA\n2\tB\n", "without gaps")]
    [InlineData("id\tname\n0\tA\n0\tB\n", "id 0 appears twice")]
    [InlineData("id\tname\n0\tA\n1\tA\n", "'A' is used by more than one class")]
    [InlineData("id\tname\n0\t \n", "empty name")]
    [InlineData("id\tname\nx\tA\n", "not a non-negative integer")]
    [InlineData("id\tname\n0\tA\textra\n", "3 fields")]
    [InlineData("id\tname\n", "at least one class")]
    public void Bad_files_are_refused_with_the_reason(string content, string reason)
    {
        using var scratch = new TempDirectory();
        var error = Assert.Throws<InvalidDataException>(() => LabelSet.Read(scratch.Write("labels.tsv", content)));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_subloc_template_dataset_reads_as_it_comes_in_row_order_from_csv_tsv_or_parquet()
    {
        // mila-intel/subloc_template: a 'name' column (the published script takes ["train"]["name"]), no id; a pandas
        // index column and quoted descriptions with commas are common in such files.
        using var scratch = new TempDirectory();
        var csv = scratch.Write("train.csv", ",name,description\n0,Nucleus,\"SUBCELLULAR LOCATION: Nucleus, nucleolus.\"\n1,Cytoplasm,In the cytosol.\n");
        var tsv = scratch.Write("train.tsv", "name\nNucleus\nCytoplasm\n");
        var parquet = scratch.Combine("train.parquet");
        var (name, index) = (new DataField<string>("name"), new DataField<long>("__index_level_0__"));
        await using (var stream = File.Create(parquet))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(name, index), stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(name, new[] { "Nucleus", "Cytoplasm" }, null);
            await group.WriteAsync<long>(index, new long[] { 0, 1 }, null, null, CancellationToken.None);
        }

        foreach (var path in new[] { csv, tsv, parquet })
        {
            var labels = await LabelSet.ReadAsync(path, CancellationToken.None);
            Assert.Equal(["Nucleus", "Cytoplasm"], labels.Names);
        }

        Assert.Equal("SUBCELLULAR LOCATION: Nucleus, nucleolus.", LabelSet.Read(csv).Descriptions[0]);
    }

    [Fact]
    public void Missing_descriptions_and_templates_without_a_name_are_refused()
    {
        using var scratch = new TempDirectory();
        var labels = LabelSet.Read(scratch.Write("labels.tsv", "id\tname\tdescription\n0\tA\t\n"));
        Assert.Contains("have no description", Assert.Throws<InvalidDataException>(() => labels.Prompts(LabelField.Description)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => labels.Prompts(LabelField.Name, "no placeholder"));
    }
}
