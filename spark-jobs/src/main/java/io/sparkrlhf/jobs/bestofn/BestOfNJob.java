package io.sparkrlhf.jobs.bestofn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.FolderContents;
import io.sparkrlhf.jobs.output.OutputGuard;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.jobs.ppo.PolicySampler;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.ppo.PpoObjective;
import io.sparkrlhf.jobs.ppo.RlPrompt;
import io.sparkrlhf.jobs.ppo.Rollout;
import io.sparkrlhf.jobs.ppo.RolloutSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.model.rl.SafetyRewardRule;
import io.sparkrlhf.spark.CodeVersion;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rlhf best-of-n}: n responses per prompt sampled on the executors with PPO's rollout code
 * ({@link PolicySampler}: batched, KV cache, the reward model(s) resident), all scored, the best
 * kept. Writes {@code best_of_n} (Parquet), {@code summary.json} (mean score of the best of n vs of
 * the first sample, the no-selection baseline), {@code samples.jsonl}, and last
 * {@code _manifest.json}; the table is written aside and moved into place, so a failed run leaves
 * no half-written table under the name.
 */
public final class BestOfNJob {
  private static final Logger LOG = LoggerFactory.getLogger(BestOfNJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String SUMMARY_FILE = "summary.json";
  public static final String SAMPLES_FILE = "samples.jsonl";

  private final SparkSession spark;
  private final Config conf;

  /** Mean over prompts of the best sample's score and of the first sample's; whitening moments (two RMs). */
  public record Summary(long prompts, int n, double bestMean, double firstMean, double meanOfAll, double whitenMean,
      double whitenSd, String table, Trainer.Result sft) {
    Summary withSft(Trainer.Result result) {
      return new Summary(prompts, n, bestMean, firstMean, meanOfAll, whitenMean, whitenSd, table, result);
    }
  }

  public BestOfNJob(SparkSession spark, Config conf) {
    this.spark = spark;
    this.conf = conf;
  }

  public Summary run() {
    BestOfNSettings s = BestOfNSettings.from(conf);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreparedDataset data = PreparedDataset.open(s.prompts(), hadoop);
    ModelSpec policy = ModelSpec.at(s.policy(), hadoop, conf.getString("rlhf.model.precision"), null, 0);
    Sampling sampling = Sampling.of(conf, policy, s.reward(), s.rewardSafety(), data, s.prompts(), hadoop);
    int maxPrompt = Sampling.maxPromptTokens(policy, s.maxNewTokens(), "rlhf.best-of-n.generation.max-new-tokens");
    JavaRDD<RlPrompt> prompts = PpoJob.prompts(spark, data, s.split(), s.maxPrompts())
        .filter(p -> p.ids().length <= maxPrompt);
    int partitions = TrainingRun.partitions(spark, s.partitions());
    DistributedData<RlPrompt> input = DistributedData.of(prompts, partitions, "best-of-n prompts");
    if (input.size() == 0) {
      throw new IllegalArgumentException("rl_prompts/" + s.split() + " of " + s.prompts() + " has no prompt of at most "
          + maxPrompt + " tokens to sample for");
    }
    OutputGuard.claim(OutputKind.BEST_OF_N, s.output(), CommandInput.given(new CommandInput("policy (--policy)",
        s.policy()), new CommandInput("reward model (--reward)", s.reward()),
        new CommandInput("safety reward model (--reward-safety)", s.rewardSafety()),
        new CommandInput("prompts (--prompts)", s.prompts())), false, false, hadoop);
    RolloutSettings rollout = Sampling.rollout(policy, data, s.seed(), s.minNewTokens(), s.maxNewTokens(), s.topK(),
        s.topP(), s.temperature(), s.rolloutBatch());
    PpoObjective objective = sampling.objective(policy, rollout, null);
    String runId = "best-of-n-" + UUID.randomUUID().toString().substring(0, 8);
    LOG.info("best-of-n: {} prompts of rl_prompts/{} x {} samples in {} partitions; policy {}, reward {}",
        input.size(), s.split(), s.n(), partitions, policy.describeBase(), sampling.rewards().describe());
    JavaRDD<PolicySampler.Sampled> sampled = PolicySampler.sample(input, runId, objective, s.n())
        .persist(StorageLevel.MEMORY_AND_DISK());
    Summary summary;
    try {
      long t0 = System.nanoTime();
      double[] moments = sampled.map(BestOfNJob::sums).reduce(BestOfNJob::plus); // Σx, Σx², count
      double mean = moments[0] / moments[2];
      double sd = Math.sqrt(Math.max(0, moments[1] / moments[2] - mean * mean));
      boolean whiten = sampling.rewards().two();
      double wm = whiten ? mean : 0;
      double ws = whiten ? sd : 1 - SafetyRewardRule.EPS;
      JavaRDD<Row> rows = sampled.map(p -> row(p, wm, ws));
      Path table = new Path(s.output(), BestOfNTable.NAME);
      writeTable(rows, table, hadoop);
      double[] means = ParquetChecksums.reader(spark).parquet(table.toString()).javaRDD()
          .map(BestOfNJob::bestFirstMean).reduce(BestOfNJob::plus4); // read back: the numbers of what was written
      summary = new Summary(Math.round(means[3]), s.n(), means[0] / means[3], means[1] / means[3], means[2] / means[3],
          whiten ? mean : Double.NaN, whiten ? sd : Double.NaN, table.toString(), null);
      LOG.info("best-of-n: sampled and scored {} responses in {} s", (long) moments[2],
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
      writeSamples(s, sampled.take(s.samplesToLog()), sampling, wm, ws, hadoop);
      commit(s, policy, sampling, summary, hadoop);
    } finally {
      sampled.unpersist(false);
      PolicySampler.release(input, runId);
      input.unpersist();
    }
    if (s.thenSft()) { // the sampling replicas are released: the executors hold only the model trained now
      LOG.info("best-of-n: fine-tuning {} on its best responses into {}", s.policy(), s.sftRunOutput());
      summary = summary.withSft(RejectionSamplingSft.run(spark, conf, s, data, summary.table(), rollout.padTokenId()));
    }
    return summary;
  }

  private static double[] sums(PolicySampler.Sampled p) {
    double[] out = new double[3];
    for (Rollout r : p.samples()) {
      out[0] += r.score();
      out[1] += (double) r.score() * r.score();
      out[2]++;
    }
    return out;
  }

  private static double[] plus(double[] a, double[] b) {
    return new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
  }

  private static float[] scores(PolicySampler.Sampled p, double mean, double sd) {
    float[] out = new float[p.samples().size()];
    for (int j = 0; j < out.length; j++) {
      out[j] = (float) SafetyRewardRule.whiten(p.samples().get(j).score(), mean, sd);
    }
    return out;
  }

  private static Row row(PolicySampler.Sampled p, double mean, double sd) {
    float[] scores = scores(p, mean, sd);
    int[][] responses = new int[scores.length][];
    Float[] boxed = new Float[scores.length];
    for (int j = 0; j < scores.length; j++) {
      responses[j] = p.samples().get(j).response();
      boxed[j] = scores[j];
    }
    return RowFactory.create(p.prompt().qid(), p.prompt().ids(), responses, boxed, BestOfNTable.best(scores));
  }

  /** Written under a temporary name beside the target and renamed over it once complete. */
  private void writeTable(JavaRDD<Row> rows, Path table, Configuration hadoop) {
    Path tmp = new Path(table.getParent(), "." + table.getName() + "-" + UUID.randomUUID());
    try {
      ParquetChecksums.writer(spark.createDataFrame(rows, BestOfNTable.SCHEMA)).mode(SaveMode.ErrorIfExists)
          .parquet(tmp.toString());
      FileSystem fs = table.getFileSystem(hadoop);
      if (fs.exists(table)) {
        fs.delete(table, true);
      }
      if (!fs.rename(tmp, table)) {
        throw new IOException("cannot rename " + tmp + " to " + table);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + table + ": " + e.getMessage(), e);
    } finally {
      try {
        FileSystem fs = tmp.getFileSystem(hadoop);
        if (fs.exists(tmp)) {
          fs.delete(tmp, true);
        }
      } catch (IOException ignored) {
        // best effort: the table under its name is complete or absent either way
      }
    }
  }

  /** A row's best score, first-sample score, mean score, and 1 (to count rows). */
  private static double[] bestFirstMean(Row r) {
    List<Float> scores = r.getList(r.fieldIndex(BestOfNTable.SCORES));
    double all = 0;
    for (float x : scores) {
      all += x;
    }
    return new double[] {scores.get(r.getInt(r.fieldIndex(BestOfNTable.BEST))), scores.get(0), all / scores.size(), 1};
  }

  private static double[] plus4(double[] a, double[] b) {
    return new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]};
  }

  private static void writeSamples(BestOfNSettings s, List<PolicySampler.Sampled> some, Sampling sampling, double mean,
      double sd, Configuration hadoop) {
    StringBuilder sb = new StringBuilder();
    for (PolicySampler.Sampled p : some) {
      float[] scores = scores(p, mean, sd);
      ObjectNode n = JSON.createObjectNode();
      n.put("qid", p.prompt().qid());
      n.put("prompt_index", p.index());
      if (sampling.text() != null) {
        n.put("prompt", sampling.text().decode(p.prompt().ids()));
      }
      n.put("best", BestOfNTable.best(scores));
      ArrayNode responses = n.putArray("responses");
      for (int j = 0; j < scores.length; j++) {
        ObjectNode r = responses.addObject();
        Rollout roll = p.samples().get(j);
        if (sampling.text() != null) {
          r.put("text", sampling.text().decode(roll.response()));
        }
        r.put("score", scores[j]);
        r.put("response_length", roll.response().length);
        r.put("hit_eos", roll.hitEos());
      }
      sb.append(n).append('\n');
    }
    write(new Path(s.output(), SAMPLES_FILE), sb.toString().getBytes(StandardCharsets.UTF_8), hadoop);
  }

  private static void commit(BestOfNSettings s, ModelSpec policy, Sampling sampling, Summary summary,
      Configuration hadoop) {
    ObjectNode sum = JSON.createObjectNode();
    sum.put("prompts", summary.prompts());
    sum.put("n", summary.n());
    sum.put("best_of_n_score_mean", summary.bestMean());
    sum.put("first_sample_score_mean", summary.firstMean());
    sum.put("all_samples_score_mean", summary.meanOfAll());
    sum.put("gain_over_first_sample", summary.bestMean() - summary.firstMean());
    sum.put("scores", sampling.rewards().two() ? "llama2-combined-whitened" : "reward-model");
    if (sampling.rewards().two()) {
      sum.put("whiten_mean", summary.whitenMean());
      sum.put("whiten_sd", summary.whitenSd());
      sum.put("safety_threshold", sampling.rewards().rule().threshold());
    }
    sum.put("seed", s.seed());
    sum.put("split", s.split());
    try {
      byte[] summaryBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(sum);
      write(new Path(s.output(), SUMMARY_FILE), summaryBytes, hadoop);
      ObjectNode m = JSON.createObjectNode();
      m.put("format_version", 1);
      m.put(OutputKind.FIELD, OutputKind.BEST_OF_N.manifestValue());
      m.put("table", BestOfNTable.NAME);
      m.put("policy", policy.describeBase());
      m.put("reward_model", sampling.rewards().helpfulness().describeBase());
      if (sampling.rewards().two()) {
        m.put("safety_reward_model", sampling.rewards().safety().describeBase());
      }
      m.put("prompts", s.prompts());
      m.set("summary", sum);
      m.put("created_at", Instant.now().toString());
      m.putPOJO("code_version", CodeVersion.current());
      write(new Path(s.output(), FolderContents.MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m),
          hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results of best-of-n to " + s.output() + ": " + e.getMessage(), e);
    }
  }

  private static void write(Path file, byte[] bytes, Configuration hadoop) {
    try {
      AtomicFiles.replace(file.getFileSystem(hadoop), file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** One line for the terminal. */
  public static String describe(Summary s) {
    return String.format(Locale.ROOT, "%d prompts x %d samples: best-of-%d mean score %.4f vs first sample %.4f "
        + "(%+.4f; mean of all samples %.4f)", s.prompts(), s.n(), s.n(), s.bestMean(), s.firstMean(),
        s.bestMean() - s.firstMean(), s.meanOfAll());
  }
}
