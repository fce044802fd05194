package io.sparkrlhf.jobs.ppo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.FailureInjection;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;

/** Tiny PPO runs: a tiny llama policy, a tiny reward model written to disk, random prompts. */
final class PpoFixtures {
  private PpoFixtures() {}

  static ModelConfig config() {
    return TinyModels.llama(); // vocab 37, EOS 2, 64 positions
  }

  static ModelSpec policy(boolean lora) {
    LoraSettings adapters = lora ? new LoraSettings(4, 8, 0.0, List.of("q_proj", "v_proj")) : null;
    return ModelSpec.fresh(config(), 7, "float32", adapters, 11);
  }

  /** A reward model directory: the tiny llama's weights (seed 99) and a random score head. */
  static Path rewardModel(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(config(), m, DataType.FLOAT32, 99);
      List<SafetensorsWriter.Tensor> tensors = new ArrayList<>(HfWeights.tensors(model, DType.F32));
      float[] score = new float[config().hiddenSize()];
      Random rnd = new Random(5);
      for (int i = 0; i < score.length; i++) {
        score[i] = (float) rnd.nextGaussian();
      }
      tensors.add(new SafetensorsWriter.Tensor("score.weight", DType.F32, new long[] {1, score.length}, score));
      CheckpointWriter.write(dir, "model", tensors, Long.MAX_VALUE, Map.of("format", "pt"));
    }
    Files.write(dir.resolve("config.json"), config().toHfJson());
    return dir;
  }

  /**
   * A reward model that prefers one token: the tiny llama (seed 99) whose embedding of {@code token}
   * is the score head's direction scaled up, so a sequence ending in it scores far above the rest.
   */
  static Path plantedRewardModel(Path dir, int token) throws IOException {
    Files.createDirectories(dir);
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(config(), m, DataType.FLOAT32, 99);
      List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
      float[] score = new float[config().hiddenSize()];
      Random rnd = new Random(5);
      for (int i = 0; i < score.length; i++) {
        score[i] = (float) rnd.nextGaussian();
      }
      for (SafetensorsWriter.Tensor t : HfWeights.tensors(model, DType.F32)) {
        if (t.name().equals("model.embed_tokens.weight")) {
          float[] e = t.values().clone();
          int h = config().hiddenSize();
          for (int i = 0; i < h; i++) {
            e[token * h + i] = 20 * score[i];
          }
          t = new SafetensorsWriter.Tensor(t.name(), t.dtype(), t.shape(), e);
        }
        tensors.add(t);
      }
      tensors.add(new SafetensorsWriter.Tensor("score.weight", DType.F32, new long[] {1, score.length}, score));
      CheckpointWriter.write(dir, "model", tensors, Long.MAX_VALUE, Map.of("format", "pt"));
    }
    Files.write(dir.resolve("config.json"), config().toHfJson());
    return dir;
  }

  static List<RlPrompt> prompts(int n, long seed) {
    Random rnd = new Random(seed);
    List<RlPrompt> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[3 + rnd.nextInt(6)];
      for (int t = 0; t < ids.length; t++) {
        ids[t] = 3 + rnd.nextInt(config().vocabSize() - 3);
      }
      out.add(new RlPrompt(i, ids));
    }
    return out;
  }

  /** rlhf.ppo from the reference defaults, small, and {@code overrides} (relative to rlhf.). */
  static PpoSettings settings(String... overrides) {
    List<String> all = new ArrayList<>(List.of("ppo.batch-size=8", "ppo.mini-batch-size=4", "ppo.ppo-epochs=2",
        "ppo.micro-batch=2", "ppo.rollout-batch=4", "ppo.generation.min-new-tokens=2",
        "ppo.generation.max-new-tokens=6", "ppo.optimizer.lr=0.01", "ppo.optimizer.weight-decay=0.01",
        "ppo.optimizer.max-grad-norm=0.5", "ppo.eval-every=0"));
    all.addAll(List.of(overrides));
    Config conf = RlhfConfig.load(List.of(), all);
    return PpoSettings.from(conf);
  }

  static PpoObjective objective(ModelSpec policy, Path reward, PpoSettings s) {
    ModelSpec rm = ModelSpec.at(reward.toString(), new org.apache.hadoop.conf.Configuration(), "float32", null, 0);
    RolloutSettings rollout = new RolloutSettings(s.seed(), s.minNewTokens(), s.maxNewTokens(), s.topK(), s.topP(),
        s.temperature(), s.klPenalty(), s.rolloutBatch(), new int[] {config().eosTokenId()}, 0);
    return new PpoObjective(policy, rm, rollout, new LossSettings(s.cliprange(), s.cliprangeValue(), s.vfCoef()),
        s.valueHeadInit().equals("reward-model"));
  }

  /** What a run produced: the trainer's result, every iteration's rollouts, the program's last KL coefficient. */
  record Run(Trainer.Result result, List<Rollout> rollouts, double klCoef, List<PpoProgram.Evaluation> evaluations,
      PpoProgram.Evaluation baseline) {}

  static Run run(JavaSparkContext sc, PpoObjective objective, PpoSettings s, List<RlPrompt> prompts,
      List<RlPrompt> eval, int partitions, long iterations, FailureInjection failure, String output, boolean resume,
      long stopAfter) {
    String runId = "ppo-test-" + UUID.randomUUID();
    DistributedData<RlPrompt> train = DistributedData.of(sc.parallelize(prompts, 3), partitions, "test prompts");
    DistributedData<RlPrompt> evalData = eval == null ? null
        : DistributedData.of(sc.parallelize(eval, 2), partitions, "test eval prompts");
    List<Rollout> rollouts = new ArrayList<>();
    try (PpoProgram program = new PpoProgram(sc, runId, objective, s, train, evalData, failure, output,
        sc.hadoopConfiguration(), null).capturingRollouts(rollouts)) {
      Trainer.Result result = new Trainer("ppo-" + partitions, runId, output, sc.hadoopConfiguration(), program,
          s.trainerOptions(iterations, resume, stopAfter)).run();
      PpoProgram.Evaluation baseline = result.finished() ? program.baseline() : null;
      return new Run(result, rollouts, program.klController().value(), program.evaluations(), baseline);
    } finally {
      train.unpersist();
      if (evalData != null) {
        evalData.unpersist();
      }
    }
  }

  static double relativeDifference(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
      norm += b[i] * (double) b[i];
    }
    return Math.sqrt(diff / norm);
  }
}
