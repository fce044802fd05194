package io.sparkrlhf.jobs.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.jobs.bestofn.Sampling;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.FolderContents;
import io.sparkrlhf.jobs.output.OutputGuard;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.jobs.ppo.PolicySampler;
import io.sparkrlhf.jobs.ppo.PpoJob;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rlhf eval}: the policy (and a baseline) generate for the same prompts with the same
 * per-prompt seeds, on the executors with PPO's rollout code; the reward model(s) score every
 * response. Reports reward mean and SD, KL to a reference (--reference, else the baseline), mean
 * response length and the policy's win rate over the baseline; writes {@code report.json},
 * {@code samples.jsonl}, a self-contained {@code report.html}, and last {@code _manifest.json}.
 */
public final class EvalJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvalJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String REPORT_JSON = "report.json";
  public static final String REPORT_HTML = "report.html";
  public static final String SAMPLES_FILE = "samples.jsonl";

  private final SparkSession spark;
  private final Config conf;

  /** The numbers of a finished evaluation ({@code baseline} and {@code winRate} null without a baseline). */
  public record Result(PolicyScores policy, PolicyScores baseline, Double winRate, List<EvalReport.Row> rows) {}

  public EvalJob(SparkSession spark, Config conf) {
    this.spark = spark;
    this.conf = conf;
  }

  public Result run() {
    EvalSettings s = EvalSettings.from(conf);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String precision = conf.getString("rlhf.model.precision");
    PreparedDataset data = PreparedDataset.open(s.prompts(), hadoop);
    ModelSpec policy = ModelSpec.at(s.policy(), hadoop, precision, null, 0);
    Sampling sampling = Sampling.of(conf, policy, s.reward(), s.rewardSafety(), data, s.prompts(), hadoop);
    ModelSpec baseline = s.baseline().isBlank() ? null : ModelSpec.at(s.baseline(), hadoop, precision, null, 0);
    if (baseline != null) {
      Sampling.of(conf, baseline, s.reward(), s.rewardSafety(), data, s.prompts(), hadoop); // the same checks
    }
    ModelSpec reference = s.klReference().isBlank() ? null : ModelSpec.at(s.klReference(), hadoop, precision, null, 0);
    if (reference != null && reference.config().vocabSize() != policy.config().vocabSize()) {
      throw new IllegalArgumentException("the KL reference " + reference.describeBase() + " has a vocabulary of "
          + reference.config().vocabSize() + " tokens, the policy " + policy.describeBase() + " "
          + policy.config().vocabSize() + ": they must share one tokenizer");
    }
    int maxPrompt = Sampling.maxPromptTokens(policy, s.maxNewTokens(), "rlhf.eval.generation.max-new-tokens");
    if (baseline != null) {
      maxPrompt = Math.min(maxPrompt, Sampling.maxPromptTokens(baseline, s.maxNewTokens(),
          "rlhf.eval.generation.max-new-tokens"));
    }
    int limit = maxPrompt;
    JavaRDD<RlPrompt> prompts = PpoJob.prompts(spark, data, s.split(), s.maxPrompts()).filter(p -> p.ids().length <= limit);
    DistributedData<RlPrompt> input = DistributedData.of(prompts, TrainingRun.partitions(spark, s.partitions()),
        "eval prompts");
    if (input.size() == 0) {
      throw new IllegalArgumentException("rl_prompts/" + s.split() + " of " + s.prompts() + " has no prompt of at most "
          + maxPrompt + " tokens to evaluate on");
    }
    OutputGuard.claim(OutputKind.EVAL, s.output(), CommandInput.given(new CommandInput("policy (--policy)", s.policy()),
        new CommandInput("baseline (--baseline)", s.baseline()), new CommandInput("reference (--reference)",
            s.reference()), new CommandInput("reward model (--reward)", s.reward()),
        new CommandInput("safety reward model (--reward-safety)", s.rewardSafety()),
        new CommandInput("prompts (--prompts)", s.prompts())), false, false, hadoop);
    LOG.info("eval: {} prompts of rl_prompts/{}; policy {}{}, reward {}", input.size(), s.split(),
        policy.describeBase(), baseline == null ? "" : " vs baseline " + baseline.describeBase(),
        sampling.rewards().describe());
    try {
      List<PolicySampler.Sampled> p = generate(s, sampling, policy, reference, data, input);
      List<PolicySampler.Sampled> q = baseline == null ? null : generate(s, sampling, baseline, reference, data, input);
      Result result = score(s, sampling, p, q, reference != null);
      write(s, sampling, policy, baseline, result, hadoop);
      return result;
    } finally {
      input.unpersist();
    }
  }

  private List<PolicySampler.Sampled> generate(EvalSettings s, Sampling sampling, ModelSpec model, ModelSpec reference,
      PreparedDataset data, DistributedData<RlPrompt> input) {
    RolloutSettings rollout = Sampling.rollout(model, data, s.seed(), s.minNewTokens(), s.maxNewTokens(), s.topK(),
        s.topP(), s.temperature(), s.rolloutBatch());
    String runId = "eval-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      List<PolicySampler.Sampled> out = new ArrayList<>(
          PolicySampler.sample(input, runId, sampling.objective(model, rollout, reference), 1).collect());
      out.sort(Comparator.comparingLong(PolicySampler.Sampled::index));
      return out;
    } finally {
      PolicySampler.release(input, runId);
    }
  }

  private static Result score(EvalSettings s, Sampling sampling, List<PolicySampler.Sampled> p,
      List<PolicySampler.Sampled> q, boolean hasReference) {
    double[] ps = raw(p);
    double[] qs = q == null ? null : raw(q);
    if (sampling.rewards().two()) { // whiten both policies' combined scores with one mean and SD
      double[] all = qs == null ? ps : concat(ps, qs);
      double mean = 0;
      for (double x : all) {
        mean += x / all.length;
      }
      double var = 0;
      for (double x : all) {
        var += (x - mean) * (x - mean) / all.length;
      }
      double sd = Math.sqrt(var);
      for (double[] a : qs == null ? new double[][] {ps} : new double[][] {ps, qs}) {
        for (int i = 0; i < a.length; i++) {
          a[i] = SafetyRewardRule.whiten(a[i], mean, sd);
        }
      }
    }
    PolicyScores policy = PolicyScores.of("policy", ps, kl(p), lengths(p), hasReference);
    PolicyScores baseline = q == null ? null : PolicyScores.of("baseline", qs, kl(q), lengths(q), hasReference);
    Double winRate = q == null ? null : PolicyScores.winRate(ps, qs);
    List<EvalReport.Row> rows = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      Rollout a = p.get(i).samples().get(0);
      rows.add(new EvalReport.Row(p.get(i).prompt().qid(), text(sampling, a.query()), text(sampling, a.response()),
          ps[i], q == null ? null : text(sampling, q.get(i).samples().get(0).response()), q == null ? null : qs[i]));
    }
    return new Result(policy, baseline, winRate, rows);
  }

  private static String text(Sampling sampling, int[] ids) {
    return sampling.text() != null ? sampling.text().decode(ids) : java.util.Arrays.toString(ids);
  }

  private static double[] raw(List<PolicySampler.Sampled> s) {
    return s.stream().mapToDouble(x -> x.samples().get(0).score()).toArray();
  }

  private static double[] kl(List<PolicySampler.Sampled> s) {
    return s.stream().mapToDouble(x -> x.samples().get(0).klSum()).toArray();
  }

  private static int[] lengths(List<PolicySampler.Sampled> s) {
    return s.stream().mapToInt(x -> x.samples().get(0).response().length).toArray();
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void write(EvalSettings s, Sampling sampling, ModelSpec policy, ModelSpec baseline, Result r,
      Configuration hadoop) {
    try {
      ObjectNode report = JSON.createObjectNode();
      describe(report.putObject("policy"), r.policy(), s.policy());
      if (r.baseline() != null) {
        describe(report.putObject("baseline"), r.baseline(), s.baseline());
        report.put("win_rate", r.winRate());
      }
      report.put("kl_reference", s.klReference().isBlank() ? null : s.klReference());
      report.put("scores", sampling.rewards().two() ? "llama2-combined-whitened" : "reward-model");
      report.put("split", s.split());
      report.put("seed", s.seed());
      byte[] reportBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report);
      StringBuilder samples = new StringBuilder();
      for (EvalReport.Row row : r.rows()) {
        ObjectNode n = JSON.createObjectNode();
        n.put("qid", row.qid());
        n.put("prompt", row.prompt());
        n.put("response", row.response());
        n.put("score", row.score());
        if (row.baselineScore() != null) {
          n.put("baseline_response", row.baselineResponse());
          n.put("baseline_score", row.baselineScore());
        }
        samples.append(n).append('\n');
      }
      List<String> about = new ArrayList<>(List.of("policy: " + s.policy(), "reward: " + sampling.rewards().describe(),
          "prompts: " + s.prompts() + " (rl_prompts/" + s.split() + ", " + r.rows().size() + " prompts, seed " + s.seed()
              + ")", "KL reference: " + (s.klReference().isBlank() ? "none" : s.klReference())));
      if (baseline != null) {
        about.add(1, "baseline: " + s.baseline());
      }
      String html = EvalReport.html("rlhf eval", about, r.policy(), r.baseline(), r.winRate(), r.rows());
      put(new Path(s.output(), REPORT_JSON), reportBytes, hadoop);
      put(new Path(s.output(), SAMPLES_FILE), samples.toString().getBytes(StandardCharsets.UTF_8), hadoop);
      put(new Path(s.output(), REPORT_HTML), html.getBytes(StandardCharsets.UTF_8), hadoop);
      ObjectNode m = JSON.createObjectNode();
      m.put("format_version", 1);
      m.put(OutputKind.FIELD, OutputKind.EVAL.manifestValue());
      m.put("policy", policy.describeBase());
      if (baseline != null) {
        m.put("baseline", baseline.describeBase());
      }
      m.set("report", report);
      m.put("created_at", Instant.now().toString());
      m.putPOJO("code_version", CodeVersion.current());
      put(new Path(s.output(), FolderContents.MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m),
          hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results of eval to " + s.output() + ": " + e.getMessage(), e);
    }
  }

  private static void describe(ObjectNode n, PolicyScores p, String path) {
    n.put("path", path);
    n.put("reward_mean", p.rewardMean());
    n.put("reward_sd", p.rewardSd());
    if (Double.isNaN(p.klMean())) {
      n.putNull("kl");
    } else {
      n.put("kl", p.klMean());
    }
    n.put("response_length", p.responseLength());
    n.put("prompts", p.prompts());
  }

  private static void put(Path file, byte[] bytes, Configuration hadoop) throws IOException {
    AtomicFiles.replace(file.getFileSystem(hadoop), file, bytes);
  }

  /** One line for the terminal. */
  public static String describe(Result r) {
    String p = String.format(Locale.ROOT, "policy reward %.4f ± %.4f, KL %.4f, length %.1f", r.policy().rewardMean(),
        r.policy().rewardSd(), r.policy().klMean(), r.policy().responseLength());
    if (r.baseline() == null) {
      return p;
    }
    return p + String.format(Locale.ROOT, "; baseline reward %.4f ± %.4f, length %.1f; win rate %.3f",
        r.baseline().rewardMean(), r.baseline().rewardSd(), r.baseline().responseLength(), r.winRate());
  }
}
