package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.optim.AdamW;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The trainer's side of a checkpoint: {@code trainer_state.json} (the next step, parameter version,
 * updates applied and skipped, the data plan it was made with, the evaluations made so far, and the
 * run's {@link RunSettings} for --resume to compare) and {@code optimizer.bin} (AdamW's step and
 * moments as big-endian float64: magic "RLHFADAM", format 1, step, n, m[n], v[n]). The data cursor
 * and every random choice are functions of (seed, step), so nothing else is needed to continue
 * exactly.
 *
 * @param settings the recorded settings, or null (checkpoints of earlier versions have none)
 */
public record TrainerState(long step, long version, long skippedSteps, long seed, long datasetSize, int globalBatch,
    List<Trainer.Evaluation> evaluations, JsonNode settings) {
  public static final String FILE = "trainer_state.json";
  public static final String OPTIMIZER = "optimizer.bin";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PEFT_PREFIX = "base_model.model.";
  private static final long MAGIC = 0x524c484641444d4dL; // "RLHFADMM"

  /** @param program the step program's own state ({@link StepProgram#state}), or null */
  public void write(Path dir, AdamW adam, String runId, JsonNode program) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("step", step);
    n.put("version", version);
    n.put("optimizer_steps", adam.steps());
    n.put("skipped_steps", skippedSteps);
    n.put("seed", seed);
    n.put("dataset_size", datasetSize);
    n.put("global_batch", globalBatch);
    n.put("run_id", runId);
    ArrayNode evals = n.putArray("evaluations");
    for (Trainer.Evaluation e : evaluations) {
      ObjectNode o = evals.addObject();
      o.put("step", e.step());
      o.put("loss_sum", e.stats().lossSum());
      o.put("weight", e.stats().weight());
      o.put("correct", e.stats().correct());
      o.put("examples", e.stats().examples());
      o.put("tokens", e.stats().tokens());
      ArrayNode extras = o.putArray("extras");
      for (double x : e.stats().extras()) {
        extras.add(x);
      }
    }
    if (settings != null) {
      n.set("settings", settings);
    }
    if (program != null) {
      n.set("program", program);
    }
    Files.write(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(OPTIMIZER)), 1 << 16))) {
      out.writeLong(MAGIC);
      out.writeInt(1);
      out.writeLong(adam.steps());
      double[] m = adam.firstMoment();
      double[] v = adam.secondMoment();
      out.writeInt(m.length);
      for (double x : m) {
        out.writeDouble(x);
      }
      for (double x : v) {
        out.writeDouble(x);
      }
    }
  }

  public static TrainerState read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("checkpoint " + dir + " has no " + FILE);
    }
    JsonNode n = JSON.readTree(file.toFile());
    if (n == null || !n.path("step").isIntegralNumber()) {
      throw new IOException(FILE + " holds no step");
    }
    List<Trainer.Evaluation> evaluations = new ArrayList<>();
    for (JsonNode e : n.path("evaluations")) {
      double[] extras = new double[e.path("extras").size()];
      for (int i = 0; i < extras.length; i++) {
        extras[i] = e.path("extras").get(i).asDouble();
      }
      evaluations.add(new Trainer.Evaluation(e.path("step").asLong(), new BatchStats(e.path("loss_sum").asDouble(),
          e.path("weight").asDouble(), e.path("correct").asDouble(), e.path("examples").asLong(),
          e.path("tokens").asLong(), extras)));
    }
    JsonNode settings = n.get("settings");
    return new TrainerState(n.path("step").asLong(), n.path("version").asLong(), n.path("skipped_steps").asLong(),
        n.path("seed").asLong(), n.path("dataset_size").asLong(), n.path("global_batch").asInt(),
        List.copyOf(evaluations), settings == null || settings.isNull() ? null : settings);
  }

  /** The step program's state saved with the checkpoint, or null. */
  public static JsonNode readProgramState(Path dir) throws IOException {
    JsonNode program = JSON.readTree(dir.resolve(FILE).toFile()).get("program");
    return program == null || program.isNull() ? null : program;
  }

  /** Restores AdamW from {@code optimizer.bin}. */
  public static void restoreOptimizer(Path dir, AdamW adam) throws IOException {
    Path file = dir.resolve(OPTIMIZER);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      if (in.readLong() != MAGIC || in.readInt() != 1) {
        throw new IllegalArgumentException(file + " is not an optimizer state this version writes");
      }
      long steps = in.readLong();
      int size = in.readInt();
      if (size != adam.firstMoment().length) {
        throw new IllegalArgumentException(file + " holds moments for " + size + " values, the model trains "
            + adam.firstMoment().length);
      }
      double[] m = new double[size];
      double[] v = new double[size];
      for (int i = 0; i < size; i++) {
        m[i] = in.readDouble();
      }
      for (int i = 0; i < size; i++) {
        v[i] = in.readDouble();
      }
      adam.restore(steps, m, v);
    }
  }

  /**
   * The trainable values as the objective wrote them (model or adapter_model safetensors, and any
   * extra heads in their own files, e.g. PPO's value_head.safetensors), by name.
   */
  public static float[] readValues(Path dir, TrainableLayout layout) throws IOException {
    String prefix = Files.exists(dir.resolve("adapter_model.safetensors"))
        || Files.exists(dir.resolve("adapter_model.safetensors.index.json")) ? "adapter_model" : "model";
    float[] flat = new float[layout.size()];
    int at = 0;
    java.util.List<CheckpointTensors> files = new java.util.ArrayList<>();
    try {
      files.add(CheckpointTensors.openPrefixed(dir, prefix));
      try (Stream<Path> list = Files.list(dir)) {
        for (Path f : list.sorted().toList()) {
          String file = f.getFileName().toString();
          if (file.endsWith(".safetensors") && !file.startsWith("model") && !file.startsWith("adapter_model")) {
            files.add(CheckpointTensors.openPrefixed(dir, file.substring(0, file.length() - ".safetensors".length())));
          }
        }
      }
      for (int i = 0; i < layout.names().size(); i++) {
        String wanted = layout.names().get(i);
        CheckpointTensors holder = null;
        String name = wanted;
        for (CheckpointTensors t : files) {
          if (t.names().contains(wanted)) {
            holder = t;
            break;
          }
          if (t.names().contains(PEFT_PREFIX + wanted)) {
            holder = t; // a module trained in full beside LoRA adapters (modules_to_save)
            name = PEFT_PREFIX + wanted;
            break;
          }
        }
        if (holder == null) {
          throw new IllegalArgumentException("checkpoint " + dir + " has no tensor " + wanted
              + ": it was written by a different model or training mode (full vs LoRA)");
        }
        if (!Arrays.equals(holder.info(name).shape(), layout.shapes().get(i))) {
          throw new IllegalArgumentException("checkpoint " + dir + ": " + name + " has shape "
              + Arrays.toString(holder.info(name).shape()) + ", the model " + Arrays.toString(layout.shapes().get(i)));
        }
        float[] v = holder.readFloats(name);
        System.arraycopy(v, 0, flat, at, v.length);
        at += v.length;
      }
    } finally {
      for (CheckpointTensors t : files) {
        t.close();
      }
    }
    return flat;
  }
}
