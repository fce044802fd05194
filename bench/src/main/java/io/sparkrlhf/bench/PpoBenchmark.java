package io.sparkrlhf.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.ppo.LossSettings;
import io.sparkrlhf.jobs.ppo.PpoObjective;
import io.sparkrlhf.jobs.ppo.PpoProgram;
import io.sparkrlhf.jobs.ppo.PpoSettings;
import io.sparkrlhf.jobs.ppo.RlPrompt;
import io.sparkrlhf.jobs.ppo.RolloutSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.generate.Generator;
import io.sparkrlhf.model.generate.SamplingConfig;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.SeededInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * PPO's costs, in one run:
 * <ol>
 *   <li>rollout generation per executor: 16 prompts sampled as one batch (KV cache) against the same
 *       16 one at a time, same model, same tokens; tokens/s of each and the ratio;</li>
 *   <li>a PPO iteration on {@code local[2]} (the pipeline's tiny GPT-2, LoRA off): where its time
 *       goes (sampling, log-prob/value passes, reward scoring, advantages, updates), and each update
 *       step's Spark overhead: the job's wall time (plus the driver's AdamW) against the slowest
 *       task's own time (plus the same AdamW), which is what the in-process path would take.</li>
 * </ol>
 * Usage: {@code bench/ppo-benchmark.sh [rollout|iteration|all]}, or {@code sample [work-dir]} for the reward
 * model's scores of the pipeline's real eval answers.
 */
public final class PpoBenchmark {
  /** ~20M-parameter llama (as the engine benchmark's). */
  private static final ModelConfig LLAMA = new ModelConfig(ModelConfig.Family.LLAMA, "llama", 12000, 384, 6, 6, 6,
      1024, 2048, 1e-6, 10000, false, false, 1, 2, 0);
  /** The pipeline's tiny GPT-2. */
  private static final ModelConfig TINY = new ModelConfig(ModelConfig.Family.GPT2, "gpt2", 50257, 64, 2, 4, 4, 256,
      1024, 1e-5, 0, true, true, null, 50256, null);

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "all";
    if (what.equals("all") || what.equals("rollout")) {
      rollout(LLAMA, "~20M llama (hidden 384, 6 layers, vocab 12000)");
      rollout(TINY, "tiny GPT-2 (hidden 64, 2 layers, vocab 50257)");
    }
    if (what.equals("all") || what.equals("iteration")) {
      iteration();
    }
    if (what.equals("sample")) {
      sampleScores(args.length > 1 ? args[1] : "work");
    }
  }

  /**
   * What the pipeline's reward model gives the eval pairs' real answers (chosen, rejected) next to
   * what PPO's eval recorded for the SFT policy's samples: how far a policy could climb.
   */
  static void sampleScores(String work) throws Exception {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("ppo-benchmark")
        .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try (NDManager m = NDManager.newBaseManager()) {
      ModelSpec rm = ModelSpec.at(work + "/reward", spark.sparkContext().hadoopConfiguration(), "float32", null, 0);
      io.sparkrlhf.jobs.ppo.RewardScorer scorer = new io.sparkrlhf.jobs.ppo.RewardScorer(rm, m, 50256);
      io.sparkrlhf.datasets.io.PreparedDataset data = io.sparkrlhf.datasets.io.PreparedDataset.open(work + "/prepared",
          spark.sparkContext().hadoopConfiguration());
      List<org.apache.spark.sql.Row> rows = spark.read().parquet(data.table("preference_pairs/eval")).collectAsList();
      double chosen = 0;
      double rejected = 0;
      int n = 0;
      for (org.apache.spark.sql.Row r : rows) {
        int[] prompt = ints(r.getList(r.fieldIndex("prompt_ids")));
        float[] s = scorer.score(m, List.of(concat(prompt, ints(r.getList(r.fieldIndex("chosen_ids")))),
            concat(prompt, ints(r.getList(r.fieldIndex("rejected_ids"))))));
        chosen += s[0];
        rejected += s[1];
        n++;
      }
      System.out.printf(Locale.ROOT, "reward model %s on %d eval pairs: chosen answers %.3f, rejected answers %.3f "
          + "(mean scores)%n", work + "/reward", n, chosen / n, rejected / n);
    } finally {
      spark.stop();
    }
  }

  private static int[] ints(List<Object> values) {
    return values.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static void rollout(ModelConfig config, String name) {
    int prompts = 16;
    int promptLength = 64;
    int newTokens = 64;
    Random rnd = new Random(1);
    List<int[]> batch = new ArrayList<>();
    for (int i = 0; i < prompts; i++) {
      int[] p = new int[promptLength];
      for (int t = 0; t < p.length; t++) {
        p[t] = 3 + rnd.nextInt(config.vocabSize() - 3);
      }
      batch.add(p);
    }
    SamplingConfig sampling = new SamplingConfig(newTokens, newTokens, false, 1.0, 0, 1.0, 7, -1, 0, true);
    long[] seeds = new long[prompts];
    int[] limits = new int[prompts];
    for (int i = 0; i < prompts; i++) {
      seeds[i] = 100 + i;
      limits[i] = newTokens;
    }
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = new DecoderLM(config);
      model.initialize(m, DataType.FLOAT32, new Shape(1, 1));
      SeededInit.apply(model.hfParameters(), 3);
      Generator.generate(model, batch.subList(0, 4), sampling, new long[] {1, 2, 3, 4}, new int[] {8, 8, 8, 8}, m);
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        Generator.generate(model, batch, sampling, seeds, limits, m);
        double batched = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        for (int i = 0; i < prompts; i++) {
          Generator.generate(model, batch.subList(i, i + 1), sampling, new long[] {seeds[i]}, new int[] {newTokens}, m);
        }
        double single = (System.nanoTime() - t1) / 1e9;
        int tokens = prompts * newTokens;
        System.out.printf(Locale.ROOT, "rollout %s, %d prompts x %d prompt tokens, %d new tokens each (round %d): "
                + "batched %.0f tokens/s (%.2f s), one prompt at a time %.0f tokens/s (%.2f s): %.1fx%n", name, prompts,
            promptLength, newTokens, round + 1, tokens / batched, batched, tokens / single, single, single / batched);
      }
    }
  }

  static void iteration() throws Exception {
    Path dir = Files.createTempDirectory("ppo-bench-");
    Path reward = dir.resolve("reward");
    Files.createDirectories(reward);
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM rm = new DecoderLM(TINY);
      rm.initialize(m, DataType.FLOAT32, new Shape(1, 1));
      SeededInit.apply(rm.hfParameters(), 5);
      List<SafetensorsWriter.Tensor> tensors = new ArrayList<>(HfWeights.tensors(rm, DType.F32));
      float[] score = new float[TINY.hiddenSize()];
      Random rnd = new Random(2);
      for (int i = 0; i < score.length; i++) {
        score[i] = (float) rnd.nextGaussian();
      }
      tensors.add(new SafetensorsWriter.Tensor("score.weight", DType.F32, new long[] {1, score.length}, score));
      CheckpointWriter.write(reward, "model", tensors, Long.MAX_VALUE, Map.of("format", "pt"));
    }
    Files.write(reward.resolve("config.json"), TINY.toHfJson());

    SparkSession spark = SparkSession.builder().master("local[2]").appName("ppo-benchmark")
        .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      Config conf = RlhfConfig.load(List.of(), List.of("ppo.batch-size=16", "ppo.mini-batch-size=8"));
      PpoSettings s = PpoSettings.from(conf); // the reference defaults: 8..24 new tokens, 4 PPO epochs
      Random rnd = new Random(4);
      List<RlPrompt> prompts = new ArrayList<>();
      for (int i = 0; i < 160; i++) {
        int[] ids = new int[40 + rnd.nextInt(60)]; // the sample's prompts: ~60 tokens
        for (int t = 0; t < ids.length; t++) {
          ids[t] = rnd.nextInt(50000);
        }
        prompts.add(new RlPrompt(i, ids));
      }
      ModelSpec policy = ModelSpec.fresh(TINY, 9, "float32", null, 0);
      ModelSpec rm = ModelSpec.at(reward.toString(), sc.hadoopConfiguration(), "float32", null, 0);
      PpoObjective objective = new PpoObjective(policy, rm, new RolloutSettings(s.seed(), s.minNewTokens(),
          s.maxNewTokens(), s.topK(), s.topP(), s.temperature(), s.klPenalty(), s.rolloutBatch(), new int[] {50256},
          50256), new LossSettings(s.cliprange(), s.cliprangeValue(), s.vfCoef()), false);
      for (int partitions : new int[] {1, 2}) {
        DistributedData<RlPrompt> data = DistributedData.of(sc.parallelize(prompts, 2), partitions, "bench prompts");
        String run = "ppo-bench-" + UUID.randomUUID();
        List<ObjectNode> lines;
        try (PpoProgram program = new PpoProgram(sc, run, objective, s, data, null, null, null,
            sc.hadoopConfiguration(), null)) {
          lines = new Trainer("ppo-bench", run, null, sc.hadoopConfiguration(), program, s.trainerOptions(8, false, -1))
              .run().metrics();
        } finally {
          data.unpersist();
        }
        List<ObjectNode> measured = lines.subList(2, lines.size()); // the first two warm up
        double total = mean(measured, "time/ppo/total");
        double jobs = mean(measured, "time/ppo/optimize_step");
        double tasks = mean(measured, "time/ppo/update_tasks");
        double driver = mean(measured, "time/ppo/update_driver");
        double overhead = mean(measured, "time/ppo/update_spark_overhead");
        System.out.printf(Locale.ROOT, "iteration, %d partition(s), batch 16, 4 PPO epochs x 2 minibatches, tiny GPT-2, "
                + "6 iterations after 2 warm-up: %.2f s per iteration%n", partitions, total);
        System.out.printf(Locale.ROOT, "  rollout job %.2f s (sampling %.2f, log-prob/value/reference passes %.2f, "
                + "reward scoring %.2f; %.0f generated tokens/s), advantages %.2f s, updates %.2f s%n",
            mean(measured, "time/ppo/rollout_job"), mean(measured, "time/ppo/rollout"),
            mean(measured, "time/ppo/forward_pass"), mean(measured, "time/ppo/scoring"),
            mean(measured, "rollout_tokens_per_s"), mean(measured, "time/ppo/advantages"), jobs);
        System.out.printf(Locale.ROOT, "  updates: slowest task %.2f s (forward/backward %.2f, values in + gradients out "
                + "%.2f), Spark's jobs around them %.2f s, driver AdamW %.2f s; Spark path / in-process = %.3f%n", tasks,
            mean(measured, "time/ppo/update_compute"), mean(measured, "time/ppo/update_transfer"), overhead, driver,
            (tasks + overhead + driver) / (tasks + driver));
      }
    } finally {
      spark.stop();
    }
  }

  private static double mean(List<ObjectNode> lines, String field) {
    return lines.stream().mapToDouble(l -> l.path(field).asDouble()).average().orElse(Double.NaN);
  }
}
