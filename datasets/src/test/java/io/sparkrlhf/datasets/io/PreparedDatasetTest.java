package io.sparkrlhf.datasets.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.storage.GenerationCommitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparedDatasetTest {
  @TempDir Path root;
  private final Configuration conf = new Configuration();

  @Test
  void tablesResolveThroughTheLiveGeneration() throws IOException {
    GenerationCommitter c = new GenerationCommitter(root.toString(), conf, 2);
    GenerationCommitter.Generation g = c.begin();
    Path table = Files.createDirectories(Path.of(g.child("sft_packed/train").replace("file:", "")));
    Files.writeString(table.resolve("part-0"), "a");
    c.commit(g, "{\"generation\":\"" + g.name() + "\"}");

    PreparedDataset live = PreparedDataset.open(root.toString(), conf);
    assertEquals(g.name(), live.generation());
    assertEquals("a", Files.readString(Path.of(live.table("sft_packed/train").replace("file:", "")).resolve("part-0")));
  }

  @Test
  void aGenerationFolderStaysPinnedAfterARefresh() throws IOException {
    GenerationCommitter c = new GenerationCommitter(root.toString(), conf, 2);
    GenerationCommitter.Generation first = c.begin();
    Files.createDirectories(Path.of(first.child("sft_packed/train").replace("file:", "")));
    c.commit(first, "{\"generation\":\"" + first.name() + "\"}");
    String pinned = PreparedDataset.open(root.toString(), conf).location();
    assertEquals(first.path().toString(), pinned);

    GenerationCommitter.Generation second = c.begin();
    Files.createDirectories(Path.of(second.child("sft_packed/train").replace("file:", "")));
    c.commit(second, "{\"generation\":\"" + second.name() + "\"}");
    assertEquals(second.name(), PreparedDataset.open(root.toString(), conf).generation(), "the root follows the refresh");
    PreparedDataset again = PreparedDataset.open(pinned, conf);
    assertEquals(first.name(), again.generation(), "the generation folder does not");
    assertEquals(first.child("sft_packed/train"), again.table("sft_packed/train"));
  }

  @Test
  void openingAnUncommittedRootIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PreparedDataset.open(root.toString(), conf));
    assertTrue(e.getMessage().contains("no committed prepare output"), e.getMessage());
  }
}
