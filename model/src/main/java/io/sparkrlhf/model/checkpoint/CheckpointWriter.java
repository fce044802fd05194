package io.sparkrlhf.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors as Hugging Face does: one {@code <prefix>.safetensors} when they fit in
 * {@code maxShardBytes}, otherwise {@code <prefix>-00001-of-0000N.safetensors} shards plus
 * {@code <prefix>.safetensors.index.json} (metadata.total_size, weight_map). A tensor larger than
 * the limit gets a shard of its own. The index is written last.
 */
public final class CheckpointWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CheckpointWriter() {}

  public static void write(Path dir, String prefix, List<SafetensorsWriter.Tensor> tensors, long maxShardBytes,
      Map<String, String> metadata) throws IOException {
    Files.createDirectories(dir);
    long total = tensors.stream().mapToLong(SafetensorsWriter.Tensor::bytes).sum();
    if (total <= maxShardBytes) {
      SafetensorsWriter.write(dir.resolve(prefix + ".safetensors"), tensors, metadata);
      return;
    }
    List<List<SafetensorsWriter.Tensor>> shards = new ArrayList<>();
    List<SafetensorsWriter.Tensor> current = new ArrayList<>();
    long currentBytes = 0;
    for (SafetensorsWriter.Tensor t : tensors) {
      if (!current.isEmpty() && currentBytes + t.bytes() > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(t);
      currentBytes += t.bytes();
    }
    shards.add(current);
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("%s-%05d-of-%05d.safetensors", prefix, i + 1, shards.size());
      SafetensorsWriter.write(dir.resolve(name), shards.get(i), metadata);
      for (SafetensorsWriter.Tensor t : shards.get(i)) {
        weightMap.put(t.name(), name);
      }
    }
    Path indexPath = dir.resolve(prefix + ".safetensors.index.json");
    Path tmp = dir.resolve("." + indexPath.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(index));
    Files.move(tmp, indexPath, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
