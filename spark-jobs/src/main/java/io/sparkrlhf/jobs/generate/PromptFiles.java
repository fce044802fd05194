package io.sparkrlhf.jobs.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Prompt texts from a file on any Hadoop filesystem: JSON Lines ({@code .jsonl}, {@code .json}),
 * each line an object with a string {@code prompt}, or plain text with one prompt per line. Blank
 * lines are skipped; a malformed line or a file without prompts is refused with its name and line.
 */
public final class PromptFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PromptFiles() {}

  /** A prompt's text and where it was read, e.g. {@code prompts.jsonl:4}. */
  public record Text(String source, String text) {}

  public static boolean isJsonLines(String path) {
    String name = path.toLowerCase(Locale.ROOT);
    return name.endsWith(".jsonl") || name.endsWith(".json");
  }

  public static List<Text> read(String path, Configuration conf) {
    Path file = new Path(path);
    boolean json = isJsonLines(path);
    List<Text> out = new ArrayList<>();
    try {
      FileSystem fs = file.getFileSystem(conf);
      try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
        int lineNo = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lineNo++;
          if (lineNo == 1 && line.startsWith("\uFEFF")) {
            line = line.substring(1); // a byte-order mark, as some editors save
          }
          if (line.isBlank()) {
            continue;
          }
          String where = path + ":" + lineNo;
          out.add(new Text(where, json ? promptField(line, where) : line));
        }
      }
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException("prompts file does not exist: " + path, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the prompts file " + path + ": " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("the prompts file " + path + " holds no prompts"
          + (json ? " (JSON Lines: one {\"prompt\": \"...\"} object a line)" : " (one prompt a line)"));
    }
    return out;
  }

  private static String promptField(String line, String where) {
    JsonNode row;
    try {
      row = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(where + ": not a JSON object (" + e.getOriginalMessage() + ")");
    }
    JsonNode prompt = row == null ? null : row.get("prompt");
    if (prompt == null || !prompt.isTextual()) {
      throw new IllegalArgumentException(where + ": no string field \"prompt\" (JSON Lines prompts need one a line)");
    }
    if (prompt.asText().isEmpty()) {
      throw new IllegalArgumentException(where + ": the prompt is empty");
    }
    return prompt.asText();
  }
}
