package io.sparkrlhf.jobs.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.storage.GenerationCommitter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a folder holds, judged before a command writes there: the kind its {@code _manifest.json}
 * (a committed output) or {@code _run.json} (a training run not finished yet) names or, for
 * folders written before outputs named their kind, what its files show.
 */
public record FolderContents(State state, OutputKind kind, String description) {
  public static final String MANIFEST = GenerationCommitter.MANIFEST;
  /** Written when a training run starts, naming its kind; {@code _manifest.json} comes when it finishes. */
  public static final String RUN_FILE = "_run.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What training runs leave before their first manifest existed (runs written by older versions). */
  private static final Set<String> TRAINING_RUN_FILES = Set.of("checkpoints", "metrics.jsonl", "base-model");

  public enum State {
    /** Absent, or a folder without visible entries. */
    NOTHING,
    /** An output of {@link #kind}. */
    OUTPUT,
    /** A training run whose job was not recorded (an unfinished run of an older version). */
    UNRECORDED_RUN,
    /** Anything else: never written into or deleted. */
    FOREIGN
  }

  public static FolderContents inspect(String folder, Configuration conf) {
    Path dir = new Path(folder);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        return new FolderContents(State.NOTHING, null, "nothing");
      }
      if (fs.getFileStatus(dir).isFile()) {
        return foreign("a file, not a folder");
      }
      List<String> names = new ArrayList<>();
      boolean generations = false;
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (!name.startsWith(".")) { // .crc files, .DS_Store, the temporary files of an atomic replace
          names.add(name);
          generations |= s.isDirectory() && name.startsWith(GenerationCommitter.PREFIX);
        }
      }
      if (names.isEmpty()) {
        return new FolderContents(State.NOTHING, null, "nothing");
      }
      if (names.contains(MANIFEST)) {
        return fromManifest(fs, new Path(dir, MANIFEST));
      }
      if (names.contains(RUN_FILE)) {
        return fromManifest(fs, new Path(dir, RUN_FILE));
      }
      if (generations) {
        return new FolderContents(State.OUTPUT, OutputKind.PREPARED_DATASET,
            OutputKind.PREPARED_DATASET.description() + " with no committed generation yet");
      }
      if (names.stream().anyMatch(TRAINING_RUN_FILES::contains)) {
        return new FolderContents(State.UNRECORDED_RUN, null,
            "an unfinished training run whose job is not recorded (no " + MANIFEST + "; written by an older version)");
      }
      if (names.contains("config.json") || names.contains("adapter_config.json")) {
        return foreign("a model directory (" + (names.contains("config.json") ? "config.json" : "adapter_config.json") + ")");
      }
      names.sort(null);
      return foreign(names.size() + " entries that no rlhf command wrote (" + String.join(", ", names.subList(0,
          Math.min(3, names.size()))) + (names.size() > 3 ? ", ..." : "") + ")");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot inspect " + folder + ": " + e.getMessage(), e);
    }
  }

  private static FolderContents fromManifest(FileSystem fs, Path file) throws IOException {
    JsonNode m;
    try (InputStream in = fs.open(file)) {
      m = JSON.readTree(in);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return foreign("a " + file.getName() + " that is not JSON");
    }
    String kindName = m.path(OutputKind.FIELD).asText("");
    if (kindName.isEmpty() && m.hasNonNull("generation")) { // prepare's manifest before it named its kind
      kindName = OutputKind.PREPARED_DATASET.manifestValue();
    }
    if (kindName.isEmpty()) {
      return foreign("a " + file.getName() + " that names no kind");
    }
    Optional<OutputKind> kind = OutputKind.fromManifest(kindName);
    if (kind.isEmpty()) {
      return foreign("an output of kind '" + kindName + "', which this version does not know");
    }
    return new FolderContents(State.OUTPUT, kind.get(), kind.get().description() + detail(kind.get(), m));
  }

  private static String detail(OutputKind kind, JsonNode manifest) {
    if (kind.isTrainingRun()) {
      String last = manifest.path("final_checkpoint").asText("");
      return last.isEmpty() ? " (unfinished)" : " (finished, final checkpoint " + last + ")";
    }
    if (kind == OutputKind.PREPARED_DATASET) {
      return " (live generation " + manifest.path("generation").asText("?") + ")";
    }
    return "";
  }

  private static FolderContents foreign(String description) {
    return new FolderContents(State.FOREIGN, null, description);
  }
}
