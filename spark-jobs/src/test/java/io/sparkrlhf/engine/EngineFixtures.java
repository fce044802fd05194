package io.sparkrlhf.engine;

import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.transformer.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

/** Small SFT runs on a tiny llama, in-process or on the shared local[2] Spark. */
final class EngineFixtures {
  static final int SEQ = 12;

  private EngineFixtures() {}

  static ModelConfig config() {
    return TinyModels.llama();
  }

  static SftObjective objective(boolean lora) {
    return lora ? loraObjective(0.0) : new SftObjective(ModelSpec.fresh(config(), 7, "float32", null, 11));
  }

  static SftObjective loraObjective(double dropout) {
    LoraSettings adapters = new LoraSettings(4, 8, dropout, List.of("q_proj", "v_proj", "down_proj"));
    return new SftObjective(ModelSpec.fresh(config(), 7, "float32", adapters, 11));
  }

  /** {@code n} packed blocks of random tokens, 1–3 documents each. */
  static List<SftExample> blocks(int n, long seed) {
    Random rnd = new Random(seed);
    List<SftExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[SEQ];
      int[] docs = new int[SEQ];
      int doc = 0;
      for (int t = 0; t < SEQ; t++) {
        ids[t] = rnd.nextInt(config().vocabSize());
        if (t > 0 && rnd.nextInt(6) == 0) {
          doc++;
        }
        docs[t] = doc;
      }
      out.add(new SftExample(ids, docs));
    }
    return out;
  }

  static String runId() {
    return "test-" + UUID.randomUUID();
  }

  static <E> Trainer.Result inProcess(Objective<E> objective, List<E> data, List<E> eval,
      TrainerOptions options, String output) {
    return inProcess(objective, data, eval, options, output, Trainer.Hooks.NONE);
  }

  static <E> Trainer.Result inProcess(Objective<E> objective, List<E> data, List<E> eval,
      TrainerOptions options, String output, Trainer.Hooks hooks) {
    String run = runId();
    try (InProcessStepRunner<E> runner = new InProcessStepRunner<>(run, objective, data, eval,
        options.globalBatch(), options.microBatch(), options.seed())) {
      return new Trainer("sft", run, output, new Configuration(), objective, runner, options).withHooks(hooks).run();
    }
  }

  static <E> Trainer.Result onSpark(JavaSparkContext sc, Objective<E> objective, List<E> data, int partitions,
      TrainerOptions options, FailureInjection failure, String output) {
    String run = runId();
    DistributedData<E> train = DistributedData.of(sc.parallelize(data, 3), partitions, "test blocks");
    try (SparkStepRunner<E> runner = new SparkStepRunner<>(sc, run, objective, train, null,
        options.globalBatch(), options.microBatch(), options.seed(), failure)) {
      return new Trainer("spark-" + partitions, run, output, sc.hadoopConfiguration(), objective, runner, options).run();
    } finally {
      train.unpersist();
    }
  }

  /**
   * ‖a − b‖₂ / ‖b‖₂. Element-wise ratios are not meaningful here: AdamW moves every parameter by
   * about lr·sign(g), so a gradient that sums to nearly zero turns float32 rounding (which depends on
   * how examples are grouped into micro-batches) into a full-size difference of one element.
   */
  static double relativeDifference(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double diff = 0;
    double norm = 0;
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
      norm += (double) b[i] * b[i];
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    System.out.printf("relative L2 difference %.3e, largest element difference %.3e%n", Math.sqrt(diff / norm), worst);
    return Math.sqrt(diff / norm);
  }
}
