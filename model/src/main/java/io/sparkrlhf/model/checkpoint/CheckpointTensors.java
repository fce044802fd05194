package io.sparkrlhf.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of a Hugging Face checkpoint directory, whether one {@code model.safetensors} or
 * shards listed by {@code model.safetensors.index.json}. Shards are opened on first use. Pickled
 * {@code pytorch_model.bin} checkpoints are refused, never unpickled.
 */
public final class CheckpointTensors implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Map<String, Path> fileOf;
  private final Map<Path, SafetensorsFile> open = new HashMap<>();

  private CheckpointTensors(Path dir, Map<String, Path> fileOf) {
    this.dir = dir;
    this.fileOf = Collections.unmodifiableMap(fileOf);
  }

  public static CheckpointTensors open(Path dir) throws IOException {
    return openPrefixed(dir, "model");
  }

  /** {@code prefix.safetensors} or {@code prefix.safetensors.index.json} (adapters use "adapter_model"). */
  public static CheckpointTensors openPrefixed(Path dir, String prefix) throws IOException {
    Path index = dir.resolve(prefix + ".safetensors.index.json");
    Path single = dir.resolve(prefix + ".safetensors");
    Map<String, Path> fileOf = new LinkedHashMap<>();
    if (Files.isRegularFile(index)) {
      JsonNode weightMap = JSON.readTree(index.toFile()).path("weight_map");
      if (!weightMap.isObject() || weightMap.isEmpty()) {
        throw new IllegalArgumentException(index + " has no weight_map");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Path shard = dir.resolve(e.getValue().asText());
        if (!Files.isRegularFile(shard)) {
          throw new IllegalArgumentException(index + " lists " + e.getValue().asText() + " for '" + e.getKey()
              + "', which is missing");
        }
        fileOf.put(e.getKey(), shard);
      }
    } else if (Files.isRegularFile(single)) {
      try (SafetensorsFile f = SafetensorsFile.open(single)) {
        f.tensors().keySet().forEach(name -> fileOf.put(name, single));
      }
    } else if (Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
      throw new IllegalArgumentException(dir + " holds a pickled pytorch_model.bin, which is never unpickled here"
          + " (it can run arbitrary code). Convert it to safetensors first, e.g. in Python: "
          + "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
    } else {
      throw new IllegalArgumentException("no " + single.getFileName() + " or " + index.getFileName() + " in " + dir);
    }
    return new CheckpointTensors(dir, fileOf);
  }

  public Path dir() {
    return dir;
  }

  /** Every tensor name, in file order. */
  public java.util.Set<String> names() {
    return fileOf.keySet();
  }

  public TensorInfo info(String name) throws IOException {
    return file(name).info(name);
  }

  public float[] readFloats(String name) throws IOException {
    return file(name).readFloats(name);
  }

  private SafetensorsFile file(String name) throws IOException {
    Path p = fileOf.get(name);
    if (p == null) {
      throw new IllegalArgumentException(dir + " has no tensor '" + name + "'");
    }
    SafetensorsFile f = open.get(p);
    if (f == null) {
      f = SafetensorsFile.open(p);
      open.put(p, f);
    }
    return f;
  }

  @Override
  public void close() throws IOException {
    for (SafetensorsFile f : open.values()) {
      f.close();
    }
    open.clear();
  }
}
