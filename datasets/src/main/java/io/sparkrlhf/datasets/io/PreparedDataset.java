package io.sparkrlhf.datasets.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.storage.GenerationCommitter;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A committed output of a prepare run: resolves table paths through a manifest. Opened at the
 * output's root, it is the live generation (the root manifest names it); opened at one generation
 * folder ({@code <root>/gen-…}, which holds its own copy of the manifest), it is that generation,
 * whatever is live now: a training run pins its data that way.
 */
public final class PreparedDataset {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path generation;
  private final JsonNode manifest;

  private PreparedDataset(Path generation, JsonNode manifest) {
    this.generation = generation;
    this.manifest = manifest;
  }

  public static PreparedDataset open(String root, Configuration conf) {
    Path manifestPath = new Path(root, GenerationCommitter.MANIFEST);
    try {
      FileSystem fs = manifestPath.getFileSystem(conf);
      JsonNode manifest;
      try (InputStream in = fs.open(manifestPath)) {
        manifest = JSON.readTree(in);
      }
      String generation = manifest.path("generation").asText("");
      if (generation.isEmpty()) {
        throw new IllegalArgumentException(root + " is not a prepared dataset (its " + GenerationCommitter.MANIFEST
            + " says kind '" + manifest.path("kind").asText("?") + "' and names no generation): give prepare's output"
            + " folder");
      }
      Path given = new Path(root);
      return new PreparedDataset(given.getName().equals(generation) ? given : new Path(root, generation), manifest);
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "no committed prepare output at " + root + " (" + manifestPath + " is missing)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + manifestPath + ": " + e.getMessage(), e);
    }
  }

  /** e.g. {@code table("sft_packed/train")}. */
  public String table(String relative) {
    return new Path(generation, relative).toString();
  }

  /**
   * The directory of the tokenizer files the tables were made with (a copy of {@code tokenizer.json}
   * and the files beside it); empty for the built-in GPT-2 BPE and for data prepared before the
   * files were kept.
   */
  public Optional<String> tokenizerFiles() {
    String files = manifest.path("tokenizer").path("files").asText("");
    return files.isEmpty() ? Optional.empty() : Optional.of(new Path(generation, files).toString());
  }

  public String generation() {
    return generation.getName();
  }

  /** The generation folder's full path: opening it gives this same data later, after refreshes. */
  public String location() {
    return generation.toString();
  }

  public JsonNode manifest() {
    return manifest;
  }
}
