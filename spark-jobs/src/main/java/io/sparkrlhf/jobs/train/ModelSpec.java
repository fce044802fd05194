package io.sparkrlhf.jobs.train;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.conf.Secrets;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a replica's model comes from, resolved on the driver and shipped to executors: a Hugging
 * Face model directory ({@code basePath}, on a local disk, HDFS or s3a), optionally with a PEFT
 * adapter merged into it (a LoRA SFT result feeding the reward model), or a fresh model from
 * {@code configJson} initialised from {@code initSeed}; then full fine-tuning or new LoRA adapters.
 * It holds paths, never filesystem settings: executors read the paths with their own Hadoop
 * configuration ({@link io.sparkrlhf.spark.JvmHadoopConf}), so no credential travels with a task.
 *
 * @param tokenizer what its checkpoints carry as their tokenizer: the training data's; null when
 *     built outside a job (the base directory's tokenizer files are copied then)
 */
public record ModelSpec(
    String basePath,
    String mergeAdapterPath,
    byte[] configJson,
    long initSeed,
    String precision,
    LoraSettings lora,
    long loraSeed,
    CarriedTokenizer tokenizer) implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What a training run's output root names as its result. */
  public static final String OUTPUT_MANIFEST = "_manifest.json";

  public ModelConfig config() {
    return ModelConfig.fromHfJson(configJson, basePath == null ? "the configured model" : basePath + "/config.json");
  }

  public DataType dataType() {
    return switch (precision.toLowerCase(Locale.ROOT)) {
      case "float32", "fp32" -> DataType.FLOAT32;
      case "float16", "fp16" -> DataType.FLOAT16;
      case "bfloat16", "bf16" -> DataType.BFLOAT16; // refused by the model with the reason
      default -> throw new IllegalArgumentException("precision must be float32 or float16, found '" + precision + "'");
    };
  }

  /** The same model with {@code adapters} to train (null: full fine-tuning). */
  public ModelSpec withLora(LoraSettings adapters, long seed) {
    return new ModelSpec(basePath, mergeAdapterPath, configJson, initSeed, precision, adapters, seed, tokenizer);
  }

  /** The same model, its checkpoints carrying {@code carried}. */
  public ModelSpec withTokenizer(CarriedTokenizer carried) {
    return new ModelSpec(basePath, mergeAdapterPath, configJson, initSeed, precision, lora, loraSeed, carried);
  }

  /** A fresh model of {@code config}. */
  public static ModelSpec fresh(ModelConfig config, long seed, String precision, LoraSettings lora, long loraSeed) {
    return new ModelSpec(null, null, config.toHfJson(), seed, precision, lora, loraSeed, null);
  }

  /**
   * The model at {@code path}: a model directory (config.json), a PEFT adapter directory
   * (adapter_config.json naming its base), or a training run's output (its _manifest.json names the
   * final checkpoint).
   */
  public static ModelSpec at(String path, Configuration conf, String precision, LoraSettings lora, long loraSeed) {
    try {
      Path dir = new Path(path);
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        throw new IllegalArgumentException("model path does not exist: " + path);
      }
      Path manifest = new Path(dir, OUTPUT_MANIFEST);
      if (fs.exists(manifest)) {
        JsonNode m = read(fs, manifest);
        String finalCheckpoint = m.path("final_checkpoint").asText("");
        if (finalCheckpoint.isEmpty()) {
          throw new IllegalArgumentException(path + " is not a finished training run (its " + OUTPUT_MANIFEST
              + " says kind '" + m.path("kind").asText("?") + "' and names no final checkpoint): give a finished run"
              + " or a model directory");
        }
        dir = new Path(dir, finalCheckpoint);
      }
      if (fs.exists(new Path(dir, "config.json"))) {
        return new ModelSpec(dir.toString(), null, readBytes(fs, new Path(dir, "config.json")), 0, precision, lora, loraSeed,
            null);
      }
      Path adapterConfig = new Path(dir, "adapter_config.json");
      if (fs.exists(adapterConfig)) {
        Path ours = new Path(dir, AdapterBase.FILE); // where we trained it, when base_model_name_or_path is only a name
        String base = fs.exists(ours) ? AdapterBase.location(readBytes(fs, ours), ours.toString())
            : read(fs, adapterConfig).path("base_model_name_or_path").asText("");
        Secrets.refuseCredentialsInUri(adapterConfig + ": base_model_name_or_path", base);
        Path baseDir = new Path(base);
        if (base.isEmpty() || !baseDir.getFileSystem(conf).exists(new Path(baseDir, "config.json"))) {
          throw new IllegalArgumentException(adapterConfig + ": its base model '" + base
              + "' is not a model directory here (no config.json); copy the base model and set base_model_name_or_path");
        }
        return new ModelSpec(base, dir.toString(), readBytes(baseDir.getFileSystem(conf), new Path(baseDir, "config.json")),
            0, precision, lora, loraSeed, null);
      }
      throw new IllegalArgumentException(path + " is not a model: no config.json, adapter_config.json or " + OUTPUT_MANIFEST);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model at " + path + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode read(FileSystem fs, Path file) throws IOException {
    return JSON.readTree(readBytes(fs, file));
  }

  private static byte[] readBytes(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return in.readAllBytes();
    }
  }

  /** What the checkpoints record as their base: the directory merged into, or the fresh model. */
  public String describeBase() {
    return basePath != null ? basePath : "fresh " + config().modelType() + " (seed " + initSeed + ")";
  }
}
