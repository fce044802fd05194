package io.sparkrlhf.jobs.train;

import ai.djl.ndarray.NDManager;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.hub.HfModelDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New LoRA adapters on a model that is itself a PEFT adapter need a base on shared storage that
 * already holds the first adapter: the merged model is written once to {@code <output>/base-model}
 * and the new adapters name it as their base (StackLLaMA merges SFT's adapter before PPO too).
 */
public final class MergedBase {
  private static final Logger LOG = LoggerFactory.getLogger(MergedBase.class);

  private MergedBase() {}

  /** {@code spec} itself unless it has new adapters over a merged adapter. */
  public static ModelSpec materialize(ModelSpec spec, String output, Configuration conf, String job) {
    if (spec.lora() == null || spec.mergeAdapterPath() == null) {
      return spec;
    }
    Path target = new Path(output, TrainingRun.BASE_MODEL_DIR);
    try {
      FileSystem fs = target.getFileSystem(conf);
      if (!fs.exists(new Path(target, "config.json"))) {
        java.nio.file.Path local = Files.createTempDirectory("rlhf-merged-");
        try (NDManager manager = NDManager.newBaseManager()) {
          ModelBuilder.Built built = ModelBuilder.build(spec.withLora(null, 0), manager);
          HfModelDirectory.save(built.model(), local, DType.F32, 4L << 30, null);
        }
        try (var files = Files.list(local)) {
          for (java.nio.file.Path f : files.toList()) {
            fs.copyFromLocalFile(true, true, new Path(f.toUri()), new Path(target, f.getFileName().toString()));
          }
        }
        Files.deleteIfExists(local);
        LOG.info("{}: the policy adapter merged into its base, written to {} for the new adapters", job, target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the merged base model to " + target + ": " + e.getMessage(), e);
    }
    return ModelSpec.at(target.toString(), conf, spec.precision(), spec.lora(), spec.loraSeed());
  }
}
