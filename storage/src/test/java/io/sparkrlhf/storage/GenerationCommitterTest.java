package io.sparkrlhf.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationCommitterTest {
  @TempDir Path root;
  private final Configuration conf = new Configuration();

  private GenerationCommitter.Generation writeGeneration(GenerationCommitter c, String content) throws IOException {
    GenerationCommitter.Generation g = c.begin();
    Path table = Path.of(g.child("table/train").replace("file:", ""));
    Files.createDirectories(table);
    Files.writeString(table.resolve("part-0"), content);
    return g;
  }

  private static String manifestOf(GenerationCommitter.Generation g) {
    return "{\"generation\":\"" + g.name() + "\"}";
  }

  private List<String> generations() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gen-")).sorted().toList();
    }
  }

  @Test
  void commitPointsTheRootManifestAtTheNewGeneration() throws IOException {
    GenerationCommitter c = new GenerationCommitter(root.toString(), conf, 2);
    GenerationCommitter.Generation g = writeGeneration(c, "a");
    c.commit(g, manifestOf(g));
    assertEquals(manifestOf(g), Files.readString(root.resolve("_manifest.json")));
    assertEquals(manifestOf(g), Files.readString(root.resolve(g.name()).resolve("_manifest.json")));
    assertEquals("a", Files.readString(root.resolve(g.name()).resolve("table/train/part-0")));
    try (Stream<Path> s = Files.list(root)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }
  }

  @Test
  void keepsOnlyTheNewestCommittedGenerations() throws Exception {
    GenerationCommitter c = new GenerationCommitter(root.toString(), conf, 2);
    GenerationCommitter.Generation last = null;
    for (int i = 0; i < 4; i++) {
      last = writeGeneration(c, "v" + i);
      c.commit(last, manifestOf(last));
      Thread.sleep(1100); // generation names carry the second
    }
    List<String> gens = generations();
    assertEquals(2, gens.size(), gens.toString());
    assertEquals(last.name(), gens.get(1));
    assertEquals(manifestOf(last), Files.readString(root.resolve("_manifest.json")));
  }

  @Test
  void abortLeavesThePreviousOutputAsItWas() throws IOException {
    GenerationCommitter c = new GenerationCommitter(root.toString(), conf, 2);
    GenerationCommitter.Generation good = writeGeneration(c, "good");
    c.commit(good, manifestOf(good));
    String manifestBefore = Files.readString(root.resolve("_manifest.json"));
    GenerationCommitter.Generation failed = writeGeneration(c, "half");
    c.abort(failed);
    assertFalse(Files.exists(root.resolve(failed.name())));
    assertEquals(manifestBefore, Files.readString(root.resolve("_manifest.json")));
    assertEquals(List.of(good.name()), generations());
  }

  @Test
  void leftoversOlderThanTheLiveGenerationArePrunedNewerOnesAreNot() throws Exception {
    GenerationCommitter c = new GenerationCommitter(root.toString(), conf, 1);
    Files.createDirectories(root.resolve("gen-00000000T000000Z-crashed0"));
    GenerationCommitter.Generation g = writeGeneration(c, "x");
    Files.createDirectories(root.resolve("gen-99991231T235959Z-inflight"));
    c.commit(g, manifestOf(g));
    assertEquals(List.of(g.name(), "gen-99991231T235959Z-inflight"), generations());
  }
}
