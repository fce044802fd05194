package io.sparkrlhf.cli;

import ai.djl.ndarray.NDManager;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.spark.JvmHadoopConf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * PEFT's {@code merge_and_unload} + {@code save_pretrained}: a LoRA adapter folded into its base,
 * written as a full Hugging Face model directory (config.json, model.safetensors, tokenizer files)
 * that transformers and vLLM load without PEFT. Runs on this machine, without Spark.
 */
@Command(name = "merge-adapter", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = "Merge a LoRA adapter (PEFT directory, or a run whose final checkpoint is one) into its base model"
        + " and write a full Hugging Face model directory.")
public final class MergeAdapterCommand implements Callable<Integer> {
  @Option(names = {"-a", "--adapter"}, required = true, paramLabel = "PATH",
      description = "Adapter directory (adapter_config.json) or finished LoRA training run; local, HDFS or s3a.")
  String adapter;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
      description = "Local directory to create for the merged model; must not exist.")
  Path output;

  @Option(names = {"--dtype"}, defaultValue = "float32", paramLabel = "TYPE",
      description = "Weight type written: float32, float16 or bfloat16.")
  String dtype;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(output)) {
      throw new IllegalArgumentException("merge-adapter: output " + output + " exists; give a new directory");
    }
    ModelSpec spec = ModelSpec.at(adapter, JvmHadoopConf.get(), "float32", null, 0);
    if (spec.mergeAdapterPath() == null) {
      throw new IllegalArgumentException("merge-adapter: " + adapter + " is a full model, not a LoRA adapter");
    }
    DType written = switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
      case "float32", "fp32" -> DType.F32;
      case "float16", "fp16" -> DType.F16;
      case "bfloat16", "bf16" -> DType.BF16;
      default -> throw new IllegalArgumentException("--dtype must be float32, float16 or bfloat16, found '" + dtype + "'");
    };
    Path parent = output.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, "." + output.getFileName() + "-");
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelBuilder.Built built = ModelBuilder.build(spec, manager);
      if (!built.headTensors().isEmpty()) {
        throw new IllegalArgumentException("merge-adapter: " + adapter + " has head tensors " + built.headTensors().keySet()
            + " (a reward model); only causal-LM adapters are merged");
      }
      Path tokenizerFrom = Files.isRegularFile(localAdapter(spec).resolve("tokenizer.json")) ? localAdapter(spec)
          : io.sparkrlhf.jobs.train.LocalCopies.of(spec.basePath());
      HfModelDirectory.save(built.model(), staging, written, 4L << 30, tokenizerFrom);
      Files.move(staging, output, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteQuietly(staging);
    }
    System.out.println("merge-adapter: " + spec.mergeAdapterPath() + " + " + spec.basePath() + " -> " + output);
    return ExitCodes.OK;
  }

  private static Path localAdapter(ModelSpec spec) throws IOException {
    return io.sparkrlhf.jobs.train.LocalCopies.of(spec.mergeAdapterPath());
  }

  private static void deleteQuietly(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
