package io.sparkrlhf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTensorsTest {
  @TempDir Path dir;

  private static List<SafetensorsWriter.Tensor> tensors() {
    List<SafetensorsWriter.Tensor> t = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      float[] v = new float[100];
      for (int j = 0; j < v.length; j++) {
        v[j] = i * 1000 + j;
      }
      t.add(new SafetensorsWriter.Tensor("model.layers." + i + ".w", DType.F32, new long[] {10, 10}, v));
    }
    return t;
  }

  @Test
  void shardsAboveTheLimitWithAnIndexAndReadsThemBack() throws IOException {
    CheckpointWriter.write(dir, "model", tensors(), 900, Map.of("format", "pt")); // 400 bytes per tensor
    JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
    assertEquals(2000, index.at("/metadata/total_size").asLong());
    assertEquals("model-00001-of-00003.safetensors", index.at("/weight_map/model.layers.0.w").asText());
    assertEquals("model-00003-of-00003.safetensors", index.at("/weight_map/model.layers.4.w").asText());
    try (CheckpointTensors c = CheckpointTensors.open(dir)) {
      assertEquals(5, c.names().size());
      for (SafetensorsWriter.Tensor t : tensors()) {
        assertArrayEquals(t.values(), c.readFloats(t.name()));
      }
    }
  }

  @Test
  void underTheLimitIsOneFile() throws IOException {
    CheckpointWriter.write(dir, "model", tensors(), 1 << 20, Map.of());
    assertTrue(Files.exists(dir.resolve("model.safetensors")) && !Files.exists(dir.resolve("model.safetensors.index.json")));
    try (CheckpointTensors c = CheckpointTensors.open(dir)) {
      assertArrayEquals(tensors().get(3).values(), c.readFloats("model.layers.3.w"));
    }
  }

  @Test
  void picklesAreRefusedAndMissingFilesNamed() throws IOException {
    Files.writeString(dir.resolve("pytorch_model.bin"), "not read");
    IllegalArgumentException pickle = assertThrows(IllegalArgumentException.class, () -> CheckpointTensors.open(dir));
    assertTrue(pickle.getMessage().contains("safetensors") && pickle.getMessage().contains("never unpickled"), pickle.getMessage());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> CheckpointTensors.open(empty));
    assertTrue(none.getMessage().contains("no model.safetensors"), none.getMessage());

    Path sharded = Files.createDirectories(dir.resolve("sharded"));
    CheckpointWriter.write(sharded, "model", tensors(), 900, Map.of());
    Files.delete(sharded.resolve("model-00002-of-00003.safetensors"));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> CheckpointTensors.open(sharded));
    assertTrue(missing.getMessage().contains("model-00002-of-00003.safetensors"), missing.getMessage());
  }
}
