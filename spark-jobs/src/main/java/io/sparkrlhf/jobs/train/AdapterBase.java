package io.sparkrlhf.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * An adapter's base, said twice: {@code adapter_config.json}'s {@code base_model_name_or_path} in
 * a form transformers/PEFT can load (a local path, or the hub id the base's config.json records as
 * {@code _name_or_path}; never an {@code s3a://} or {@code hdfs://} URL), and the exact location it
 * was trained from in our own {@value #FILE}, which {@link ModelSpec#at} reads first.
 */
public final class AdapterBase {
  public static final String FILE = "rlhf_adapter.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AdapterBase() {}

  /** What PEFT should read: a local path as it is; for a remote base, its hub id or folder name. */
  public static String loadableName(String basePath, byte[] baseConfigJson) {
    if (basePath == null) {
      return "";
    }
    if (!isRemote(basePath)) {
      return basePath.startsWith("file:") ? URI.create(basePath).getPath() : basePath;
    }
    try {
      String recorded = JSON.readTree(baseConfigJson).path("_name_or_path").asText("");
      if (!recorded.isEmpty() && !isRemote(recorded)) {
        return recorded;
      }
    } catch (IOException e) {
      // no recorded name: the folder's name below
    }
    String trimmed = basePath.replaceAll("/+$", "");
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }

  static boolean isRemote(String path) {
    int colon = path.indexOf("://");
    return colon > 0 && !path.startsWith("file:");
  }

  public static byte[] json(String basePath) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.createObjectNode()
          .put("base_model_location", basePath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String location(byte[] json, String source) {
    try {
      JsonNode n = JSON.readTree(json);
      String base = n.path("base_model_location").asText("");
      if (base.isEmpty()) {
        throw new IllegalArgumentException(source + " names no base_model_location");
      }
      return base;
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
