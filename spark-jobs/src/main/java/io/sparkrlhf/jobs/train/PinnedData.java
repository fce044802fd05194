package io.sparkrlhf.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.jobs.output.FolderContents;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prepared data a training run reads, pinned to one generation for the run's whole life. A run
 * records the generation folder it started on in its {@code _run.json}; a {@code --resume} of it
 * trains on that folder again, although a weekly refresh may have made another generation live
 * since (an Airflow retry must not continue a run on other data). The data option may name:
 * prepare's output root (its live generation), one generation folder, or another training run
 * (the generation that run trained on: a reward model on exactly the SFT run's data).
 */
public final class PinnedData {
  private static final Logger LOG = LoggerFactory.getLogger(PinnedData.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The field of {@code _run.json} naming the generation folder the run trains on. */
  public static final String FIELD = "data_generation_path";

  private PinnedData() {}

  /**
   * The data for a run writing to {@code output}: on {@code resume}, the generation the run
   * recorded; otherwise what {@code data} names now. {@code option} names the option in messages.
   */
  public static PreparedDataset open(String data, String option, String output, boolean resume, Configuration conf) {
    String source = recorded(data, conf).orElse(data);
    if (!source.equals(data)) {
      LOG.info("{} {} is a training run: using the data it trained on, {}", option, data, source);
    }
    Optional<String> pinned = resume ? recorded(output, conf) : Optional.empty();
    if (pinned.isEmpty()) {
      return PreparedDataset.open(source, conf);
    }
    if (!exists(pinned.get(), conf)) {
      throw new IllegalArgumentException("cannot resume " + output + ": it trains on the prepared generation " + pinned.get()
          + ", which no longer exists (prepare keeps only its newest keep-generations): start a new run in another "
          + "output folder, or replace this one with --overwrite");
    }
    PreparedDataset now = PreparedDataset.open(source, conf);
    if (!now.location().equals(pinned.get())) {
      LOG.warn("resuming {} on the data it started with, {}; {} {} is now {} (refreshed since): a new run in a new output "
          + "folder trains on that", output, pinned.get(), option, data, now.location());
    }
    return PreparedDataset.open(pinned.get(), conf);
  }

  /** The generation recorded in {@code folder}'s {@code _run.json}, when it is a training run that recorded one. */
  static Optional<String> recorded(String folder, Configuration conf) {
    Path run = new Path(folder, FolderContents.RUN_FILE);
    try {
      FileSystem fs = run.getFileSystem(conf);
      if (!fs.exists(run)) {
        return Optional.empty();
      }
      JsonNode m;
      try (InputStream in = fs.open(run)) {
        m = JSON.readTree(in);
      }
      String path = m == null ? "" : m.path(FIELD).asText("");
      return path.isEmpty() ? Optional.empty() : Optional.of(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + run + ": " + e.getMessage(), e);
    }
  }

  private static boolean exists(String generation, Configuration conf) {
    Path manifest = new Path(generation, io.sparkrlhf.storage.GenerationCommitter.MANIFEST);
    try {
      return manifest.getFileSystem(conf).exists(manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + manifest + ": " + e.getMessage(), e);
    }
  }
}
