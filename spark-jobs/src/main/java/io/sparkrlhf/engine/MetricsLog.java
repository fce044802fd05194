package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code <output>/metrics.jsonl}: one JSON object per training step ({@code "split": "train"}) and
 * per evaluation ({@code "split": "eval"}). Object stores cannot append, so the file is replaced
 * whole on {@link #flush} (every few steps and at checkpoints; it stays small).
 */
public final class MetricsLog {
  public static final String FILE = "metrics.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Configuration conf;
  private final List<ObjectNode> lines = new ArrayList<>();

  public MetricsLog(String output, Configuration conf) {
    this.file = new Path(output, FILE);
    this.conf = conf;
  }

  public ObjectNode newLine(String split, long step) {
    ObjectNode n = JSON.createObjectNode();
    n.put("split", split);
    n.put("step", step);
    return n;
  }

  public void add(ObjectNode line) {
    lines.add(line);
  }

  public List<ObjectNode> lines() {
    return lines;
  }

  /** On resume: keeps the earlier run's lines up to {@code step} (later ones are about to be redone). */
  public void loadUpTo(long step) {
    lines.clear();
    try {
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        return;
      }
      try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (!line.isBlank()) {
            JsonNode n = JSON.readTree(line);
            if (n.isObject() && n.path("step").asLong() <= step) {
              lines.add((ObjectNode) n);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public void flush() {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode n : lines) {
      sb.append(n.toString()).append('\n');
    }
    try {
      FileSystem fs = file.getFileSystem(conf);
      AtomicFiles.replace(fs, file, sb.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
