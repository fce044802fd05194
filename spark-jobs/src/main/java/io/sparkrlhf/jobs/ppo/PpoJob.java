package io.sparkrlhf.jobs.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.RlPromptsTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.engine.CheckpointStore;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.jobs.prepare.TokenizerLoader;
import io.sparkrlhf.jobs.train.CarriedTokenizer;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.MergedBase;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.PinnedData;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.spark.CodeVersion;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rlhf ppo}: the policy (an SFT result) trained with PPO against the reward model on
 * {@code rl_prompts}, composed from the engine's pieces by {@link PpoProgram}. Writes checkpoints
 * (the policy as it came in: full directory or, with LoRA, a PEFT adapter; plus the value head),
 * metrics.jsonl, samples.jsonl, plots, eval.json (the SFT policy's eval scores at step 0 beside the
 * trained one's) and, last, _manifest.json naming the final checkpoint.
 */
public final class PpoJob {
  private static final Logger LOG = LoggerFactory.getLogger(PpoJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final Config conf;
  private final RunFlags flags;

  /** What a finished run reports (also in eval.json). */
  public record Summary(Trainer.Result result, PpoProgram.Evaluation before, PpoProgram.Evaluation after,
      double lengthMatchedBaseline, double finalKlCoef, long droppedPrompts) {
    /** The eval reward gain in units of the SFT policy's score SD. */
    public double gainInSds() {
      return (after.meanScore() - before.meanScore()) / before.scoreSd();
    }
  }

  public PpoJob(SparkSession spark, Config conf, RunFlags flags) {
    this.spark = spark;
    this.conf = conf;
    this.flags = flags;
  }

  public Summary run() {
    PpoSettings s = PpoSettings.from(conf);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreparedDataset data = PinnedData.open(s.prompts(), "prompts (--prompts)", s.output(), flags.resume(), hadoop);
    JsonNode tokenizer = data.manifest().path("tokenizer");
    String precision = conf.getString("rlhf.model.precision");
    ModelSpec start = ModelSpec.at(s.policy(), hadoop, precision, null, 0);
    ModelSpec reward = ModelSpec.at(s.reward(), hadoop, precision, null, 0);
    PolicyCompatibility.check(start, reward, data, s.prompts(), hadoop);
    String safetyPath = conf.getString("rlhf.ppo.reward-safety");
    ModelSpec safety = safetyPath.isBlank() ? null : ModelSpec.at(safetyPath, hadoop, precision, null, 0);
    if (safety != null) {
      PolicyCompatibility.check(start, safety, "safety reward model (--reward-safety)", data, s.prompts(), hadoop);
    }
    TextTokenizer text = textTokenizer(start, tokenizer, hadoop);
    RewardModels rewards = new RewardModels(reward, safety, SafetyRule.from(conf, text));
    LoraSettings lora = s.lora(start.config());
    ModelSpec policy = start.withLora(lora, s.seed() + 1);
    ModelConfig model = policy.config();
    int[] eosIds = model.eosTokenId() != null ? model.eosTokenIdArray()
        : new int[] {tokenizer.path("eos_token_id").asInt(-1)};
    int eos = eosIds[0];
    int pad = model.padTokenId() != null ? model.padTokenId() : Math.max(eos, 0);
    int maxPrompt = model.maxPositions() - s.maxNewTokens();
    if (maxPrompt < 1) {
      throw new IllegalArgumentException("rlhf.ppo.generation.max-new-tokens (" + s.maxNewTokens() + ") leaves no room "
          + "for a prompt in the policy's max_position_embeddings " + model.maxPositions());
    }

    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<RlPrompt> allTrain = prompts(data, TableSet.TRAIN, 0);
    JavaRDD<RlPrompt> allEval = prompts(data, TableSet.EVAL, s.evalMaxExamples());
    JavaRDD<RlPrompt> train = allTrain.filter(p -> p.ids().length <= maxPrompt);
    JavaRDD<RlPrompt> eval = allEval.filter(p -> p.ids().length <= maxPrompt);
    int partitions = TrainingRun.partitions(spark, s.partitions());
    if (train.isEmpty()) {
      throw new IllegalArgumentException("every prompt of rl_prompts/train is longer than " + maxPrompt + " tokens "
          + "(max_position_embeddings " + model.maxPositions() + " - rlhf.ppo.generation.max-new-tokens "
          + s.maxNewTokens() + "): lower max-new-tokens or prepare with a smaller max-prompt-tokens");
    }
    DistributedData<RlPrompt> trainData = DistributedData.of(train, partitions, "ppo prompts");
    long evalCount = eval.count();
    DistributedData<RlPrompt> evalData = evalCount == 0 ? null
        : DistributedData.of(eval, (int) Math.min(partitions, evalCount), "ppo eval prompts");
    long dropped = allTrain.count() - trainData.size() + allEval.count() - evalCount;
    if (dropped > 0) {
      LOG.warn("ppo: {} prompts longer than {} tokens (max_position_embeddings {} - max-new-tokens {}) dropped",
          dropped, maxPrompt, model.maxPositions(), s.maxNewTokens());
    }
    if (trainData.size() < s.batchSize()) {
      throw new IllegalArgumentException("rl_prompts/train has " + trainData.size() + " usable prompts, fewer than one "
          + "batch of " + s.batchSize() + " (rlhf.ppo.batch-size)");
    }
    if (s.batchSize() % partitions != 0 || (s.batchSize() / partitions) % s.rolloutBatch() != 0) {
      LOG.warn("ppo: batch-size {} over {} partitions is not a multiple of rollout-batch {} per partition: generation "
          + "batches then depend on the partition count, and so do the sampled tokens up to float rounding", s.batchSize(),
          partitions, s.rolloutBatch());
    }
    // Only now, with every input checked, is the output claimed (and an earlier run replaced).
    TrainingRun.prepareOutput(spark, OutputKind.PPO, s.output(), CommandInput.given(new CommandInput("policy (--policy)",
        s.policy()), new CommandInput("reward model (--reward)", s.reward()),
        new CommandInput("safety reward model (--reward-safety)", safetyPath.isBlank() ? null : safetyPath),
        new CommandInput("prompts (--prompts)", s.prompts())), flags, data);
    policy = MergedBase.materialize(policy, s.output(), hadoop, "ppo").withTokenizer(CarriedTokenizer.of(data));
    String runId = "ppo-" + UUID.randomUUID().toString().substring(0, 8);
    RolloutSettings rollout = new RolloutSettings(s.seed(), s.minNewTokens(), s.maxNewTokens(), s.topK(), s.topP(),
        s.temperature(), s.klPenalty(), s.rolloutBatch(), eosIds, pad);
    PpoObjective objective = new PpoObjective(policy, rewards, rollout,
        new LossSettings(s.cliprange(), s.cliprangeValue(), s.vfCoef()), s.valueHeadInit().equals("reward-model"));
    LOG.info("ppo: {} training and {} eval prompts in {} partitions; policy {} ({}), reward model {}; run {}",
        trainData.size(), evalData == null ? 0 : evalData.size(), partitions, policy.describeBase(),
        lora == null ? "full" : "LoRA r=" + lora.rank(), rewards.describe(), runId);
    try (PpoProgram program = new PpoProgram(sc, runId, objective, s, trainData, evalData, flags.failure(), s.output(),
        hadoop, text == null ? null : text::decode).withLocalHandoff(TrainingRun.localHandoff(spark))) {
      long iterations = s.iterations(program.plan().stepsPerEpoch());
      TrainerOptions options = s.trainerOptions(iterations, flags.resume(), flags.stopAfter());
      Trainer.Result result = new Trainer("ppo", runId, s.output(), hadoop, program, options).run();
      List<PpoProgram.Evaluation> evals = program.evaluations();
      Summary summary = null;
      if (result.finished() && !evals.isEmpty()) {
        PpoProgram.Evaluation after = evals.get(evals.size() - 1);
        PpoProgram.Evaluation before = program.baseline(); // made again after a resume past it
        summary = new Summary(result, before, after, lengthMatched(before, after), program.klController().value(),
            dropped);
      }
      if (result.finished()) {
        commit(s, policy, rewards, data, summary, result, dropped);
      }
      return summary == null ? new Summary(result, null, null, Double.NaN, program.klController().value(), dropped)
          : summary;
    } finally {
      trainData.unpersist();
      if (evalData != null) {
        evalData.unpersist();
      }
    }
  }

  private JavaRDD<RlPrompt> prompts(PreparedDataset data, String split, int limit) {
    return prompts(spark, data, split, limit);
  }

  /** {@code rl_prompts/<split>} (the first {@code limit} rows; 0: all); an empty train table is an error. */
  public static JavaRDD<RlPrompt> prompts(SparkSession spark, PreparedDataset data, String split, int limit) {
    String path = data.table(TableSet.path(RlPromptsTable.NAME, split));
    Dataset<Row> rows;
    try {
      rows = ParquetChecksums.reader(spark).parquet(path);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot read the prompt table " + path + ": " + e.getMessage(), e);
    }
    if (limit > 0) {
      rows = rows.limit(limit);
    }
    if (split.equals(TableSet.TRAIN) && rows.isEmpty()) {
      throw new IllegalArgumentException("the prompt table " + path + " is empty");
    }
    return rows.javaRDD().map(RlPrompt::fromRow);
  }

  /**
   * The policy's text tokenizer, for samples.jsonl and the safety rule's phrases: its tokenizer.json,
   * else the built-in GPT-2 BPE when the data used it; null when there is neither.
   */
  public static TextTokenizer textTokenizer(ModelSpec policy, JsonNode dataTokenizer, Configuration conf) {
    try {
      if (PolicyCompatibility.hasTokenizerJson(policy, conf)) {
        return TokenizerLoader.load("hf", policy.basePath(), "", conf).load();
      } else if (dataTokenizer.path("name").asText("").startsWith("gpt2")) {
        return TokenizerSpec.gpt2().load();
      }
      return null;
    } catch (RuntimeException e) {
      LOG.warn("samples will hold token ids only: {}", e.getMessage());
      return null;
    }
  }

  /**
   * The SFT policy's mean eval score among its responses of about the same length as the trained
   * policy's: for each trained response, the mean SFT score at the nearest SFT length.
   */
  static double lengthMatched(PpoProgram.Evaluation sft, PpoProgram.Evaluation trained) {
    double total = 0;
    for (Rollout r : trained.rollouts()) {
      int length = r.response().length;
      int best = Integer.MAX_VALUE;
      for (Rollout b : sft.rollouts()) {
        best = Math.min(best, Math.abs(b.response().length - length));
      }
      double sum = 0;
      int n = 0;
      for (Rollout b : sft.rollouts()) {
        if (Math.abs(b.response().length - length) == best) {
          sum += b.score();
          n++;
        }
      }
      total += sum / n;
    }
    return total / trained.rollouts().size();
  }

  private void commit(PpoSettings s, ModelSpec policy, RewardModels reward, PreparedDataset data, Summary summary,
      Trainer.Result result, long droppedPrompts) {
    try {
      FileSystem fs = new Path(s.output()).getFileSystem(spark.sparkContext().hadoopConfiguration());
      ObjectNode eval = JSON.createObjectNode();
      if (summary != null) {
        describe(eval.putObject("sft"), summary.before());
        describe(eval.putObject("ppo"), summary.after());
        eval.put("reward_gain_in_sft_sds", summary.gainInSds());
        eval.put("sft_length_matched_reward_mean", summary.lengthMatchedBaseline());
        eval.put("kl_target", s.klTarget());
        eval.put("final_kl_coef", summary.finalKlCoef());
      }
      AtomicFiles.replace(fs, new Path(s.output(), TrainingRun.EVAL_FILE),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(eval));
      ObjectNode m = JSON.createObjectNode();
      m.put("format_version", 1);
      m.put(OutputKind.FIELD, OutputKind.PPO.manifestValue());
      m.put("final_checkpoint", CheckpointStore.DIR + "/" + CheckpointStore.name(result.step()));
      m.put("value_head", PpoObjective.VALUE_HEAD_FILE + ".safetensors");
      m.put("steps", result.step());
      m.put("skipped_updates", result.skippedSteps());
      m.put("base_model", policy.describeBase());
      m.put("training", policy.lora() == null ? "full" : "lora");
      m.put("reward_model", reward.helpfulness().describeBase());
      if (reward.two()) {
        m.put("safety_reward_model", reward.safety().describeBase());
        m.put("safety_threshold", reward.rule().threshold());
      }
      m.put("data", s.prompts());
      m.put("data_generation", data.generation());
      m.put("prompts_dropped_too_long", droppedPrompts);
      m.set("eval", eval.deepCopy());
      m.put("created_at", Instant.now().toString());
      m.putPOJO("code_version", CodeVersion.current());
      AtomicFiles.replace(fs, new Path(s.output(), ModelSpec.OUTPUT_MANIFEST),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      LOG.info("ppo: finished after {} iterations; the policy is {}/{}", result.step(), s.output(),
          m.path("final_checkpoint").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results of ppo to " + s.output() + ": " + e.getMessage(), e);
    }
  }

  private static void describe(ObjectNode n, PpoProgram.Evaluation e) {
    n.put("step", e.step());
    n.put("reward_mean", e.meanScore());
    n.put("reward_sd", e.scoreSd());
    n.put("kl", e.meanKl());
    n.put("response_length", e.meanLength());
    n.put("prompts", e.rollouts().size());
  }

  /** One line for the pipeline's output. */
  public static String describe(Summary s) {
    if (s.before() == null) {
      return "no evaluation";
    }
    return String.format(Locale.ROOT, "eval reward %.3f -> %.3f (SFT sd %.3f: %+.2f sd; SFT at matched length %.3f), "
            + "KL %.3f, response length %.1f -> %.1f, KL coefficient %.4f", s.before().meanScore(), s.after().meanScore(),
        s.before().scoreSd(), s.gainInSds(), s.lengthMatchedBaseline(), s.after().meanKl(), s.before().meanLength(),
        s.after().meanLength(), s.finalKlCoef());
  }
}
