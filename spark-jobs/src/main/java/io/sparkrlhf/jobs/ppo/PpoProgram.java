package io.sparkrlhf.jobs.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.engine.BatchPlan;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.DataBlock;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.EpochLayout;
import io.sparkrlhf.engine.EpochPermutation;
import io.sparkrlhf.engine.EpochShards;
import io.sparkrlhf.engine.FailureInjection;
import io.sparkrlhf.engine.GradientSum;
import io.sparkrlhf.engine.Optimizer;
import io.sparkrlhf.engine.PartitionOrder;
import io.sparkrlhf.engine.ReplicaRegistry;
import io.sparkrlhf.engine.StepJob;
import io.sparkrlhf.engine.StepProgram;
import io.sparkrlhf.engine.StepRunner;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.engine.ValuePublisher;
import io.sparkrlhf.engine.ValueSource;
import io.sparkrlhf.model.rl.AdaptiveKl;
import io.sparkrlhf.model.rl.FixedKl;
import io.sparkrlhf.model.rl.KlController;
import io.sparkrlhf.model.rl.Moments;
import io.sparkrlhf.model.rl.RunningMoments;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PPO iteration as a step of the engine's run:
 * <ol>
 *   <li>rollout job: each task samples responses for its share of the iteration's prompts with the
 *       resident policy, records log-probs, reference log-probs, values and KL, scores them with the
 *       resident reward model; the buffer stays cached on the executors that made it, and only
 *       sums reach the driver;</li>
 *   <li>small jobs over the cached buffer for the batch-wide statistics (score moments for scaling,
 *       reward and advantage moments for whitening);</li>
 *   <li>{@code ppo-epochs} × minibatches engine steps: each task turns its members of the minibatch
 *       into PPO samples and returns the clipped objective's gradients; the driver skips a minibatch
 *       whose mean ratio passes the threshold and stops early past target-kl (if asked);</li>
 *   <li>the KL controller moves with the iteration's mean KL.</li>
 * </ol>
 */
public final class PpoProgram implements StepProgram {
  private static final Logger LOG = LoggerFactory.getLogger(PpoProgram.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String SAMPLES_FILE = "samples.jsonl";

  private final JavaSparkContext sc;
  private final String runId;
  private final PpoObjective objective;
  private final PpoSettings settings;
  private final DistributedData<RlPrompt> prompts;
  private final DistributedData<RlPrompt> evalPrompts;
  private final BatchPlan plan;
  private final FailureInjection failure;
  private final ValuePublisher publisher;
  private final String output;
  private final Configuration hadoop;
  private final Function<int[], String> decoder;
  private KlController kl;
  private RunningMoments running = RunningMoments.initial();
  private long updates;
  private long completed;
  private float[] initialValues;
  private final EpochLayout<RlPrompt> layout;
  private final List<ObjectNode> samples = new ArrayList<>();
  private final List<Evaluation> evaluations = new ArrayList<>();
  private List<Rollout> capturedRollouts;

  /** An evaluation's generations: one rollout per eval prompt, in prompt order. */
  public record Evaluation(long step, List<Rollout> rollouts) {
    public double meanScore() {
      return rollouts.stream().mapToDouble(Rollout::score).average().orElse(Double.NaN);
    }

    public double scoreSd() {
      double m = meanScore();
      return Math.sqrt(rollouts.stream().mapToDouble(r -> (r.score() - m) * (r.score() - m)).sum()
          / Math.max(1, rollouts.size() - 1));
    }

    public double meanKl() {
      return rollouts.stream().mapToDouble(Rollout::klSum).average().orElse(Double.NaN);
    }

    public double meanLength() {
      return rollouts.stream().mapToInt(r -> r.response().length).average().orElse(Double.NaN);
    }
  }

  /**
   * @param output where samples.jsonl goes (null: nowhere)
   * @param decoder token ids → text for samples.jsonl (null: ids only)
   */
  public PpoProgram(JavaSparkContext sc, String runId, PpoObjective objective, PpoSettings settings,
      DistributedData<RlPrompt> prompts, DistributedData<RlPrompt> evalPrompts, FailureInjection failure, String output,
      Configuration hadoop, Function<int[], String> decoder) {
    this.sc = sc;
    this.runId = runId;
    this.objective = objective;
    this.settings = settings;
    this.prompts = prompts;
    this.evalPrompts = evalPrompts;
    this.plan = new BatchPlan(prompts.size(), settings.batchSize(), settings.seed());
    this.failure = failure;
    this.publisher = new ValuePublisher(sc, runId);
    this.output = output;
    this.hadoop = hadoop;
    this.decoder = decoder;
    this.kl = settings.klController();
    this.layout = new EpochLayout<>(prompts, plan);
  }

  /** Tests: every iteration's rollouts are also collected here, in slot order (costly on a real run). */
  public PpoProgram capturingRollouts(List<Rollout> sink) {
    this.capturedRollouts = sink;
    return this;
  }

  public PpoProgram withLocalHandoff(boolean enabled) {
    publisher.withLocalHandoff(enabled);
    return this;
  }

  @Override
  public StepRunner.Initial initialize() {
    StepRunner.Initial initial = ReplicaRegistry.initialOn(prompts.blocks(), runId, objective);
    initialValues = initial.values().clone();
    return initial;
  }

  @Override
  public BatchPlan plan() {
    return plan;
  }

  public KlController klController() {
    return kl;
  }

  public List<Evaluation> evaluations() {
    return evaluations;
  }

  /**
   * The starting policy's evaluation: the one made before the first iteration, or, in a run resumed
   * past it, the same evaluation made again now from the initial values (evaluation seeds and
   * length limits are fixed per prompt, so it is the same generations); null without eval prompts.
   */
  public Evaluation baseline() {
    for (Evaluation e : evaluations) {
      if (e.step() == 0) {
        return e;
      }
    }
    if (evalPrompts == null) {
      return null;
    }
    Evaluation e = new Evaluation(0, generateForEval(-1, initialValues));
    evaluations.add(0, e);
    return e;
  }

  @Override
  public boolean step(long iteration, float[] values, Optimizer optimizer, ObjectNode line) {
    completed = iteration + 1;
    long t0 = System.nanoTime();
    long version = optimizer.version();
    double klCoef = kl.value();
    JavaRDD<RolloutPart> buffer = rollouts(iteration, version, publisher.pin(version, values));
    try {
      double eosPenalty = settings.missingEosPenalty();
      RolloutSummary rolled = PartitionOrder.reduce(buffer.map(part -> RolloutSummary.of(part, eosPenalty)), RolloutSummary::plus);
      long rolledOut = System.nanoTime();
      if (capturedRollouts != null) {
        List<Rollout> all = new ArrayList<>(buffer.flatMap(part -> part.rollouts().iterator()).collect());
        all.sort(Comparator.comparingInt(Rollout::slot));
        capturedRollouts.addAll(all);
      }
      // Two reward models: Llama 2 whitens the combined score, here by its running moments (TRL's score norm).
      boolean whiten = objective.reward().two();
      boolean scaling = settings.scoreScaling() || whiten;
      if (scaling) {
        running = running.update(rolled.penalisedScores());
      }
      IterationParams p = new IterationParams(klCoef, running, scaling, settings.scoreNorm() || whiten,
          settings.scoreClip(), eosPenalty, settings.whitenRewards(), settings.gamma(), settings.lam(), null, null);
      if (settings.whitenRewards()) {
        IterationParams raw = p;
        p = p.withRewardMoments(
            PartitionOrder.reduce(buffer.map(part -> AdvantageSummary.rewardMoments(part, raw)), Moments::plus));
      }
      IterationParams forGae = p;
      AdvantageSummary adv = PartitionOrder.reduce(buffer.map(part -> AdvantageSummary.of(part, forGae)),
          AdvantageSummary::plus);
      p = p.withAdvantageMoments(adv.advantages());
      long prepared = System.nanoTime();

      Updates u = update(iteration, values, optimizer, buffer, p);
      long updated = System.nanoTime();
      double meanKl = rolled.klSum() / rolled.samples();
      kl = kl.update(meanKl, rolled.samples());
      report(line, iteration, klCoef, rolled, adv, u, optimizer, t0, rolledOut, prepared, updated);
      return u.skipped > 0;
    } finally {
      buffer.unpersist(false);
      publisher.unpin();
    }
  }

  /** The rollout job of {@code iteration} at {@code version}, cached; computed by its first action. */
  private JavaRDD<RolloutPart> rollouts(long iteration, long version, ValueSource pinned) {
    String run = runId;
    PpoObjective obj = objective;
    FailureInjection fail = failure;
    BatchPlan batches = plan;
    long first = (iteration % batches.stepsPerEpoch()) * batches.globalBatch();
    long end = first + batches.globalBatch();
    EpochPermutation order = new EpochPermutation(batches.datasetSize(), batches.seed(), batches.epochOf(iteration));
    return layout.forEpoch(batches.epochOf(iteration)).mapPartitionsWithIndex((pid, it) -> {
      EpochShards.Shard<RlPrompt> shard = it.next();
      List<RlPrompt> mine = shard.between(first, end);
      long[] positions = shard.positionsBetween(first, end);
      long[] indices = new long[positions.length];
      int[] slots = new int[positions.length];
      for (int i = 0; i < positions.length; i++) {
        indices[i] = order.apply(positions[i]);
        slots[i] = (int) (positions[i] - first);
      }
      long[] group = new long[slots.length];
      for (int i = 0; i < slots.length; i++) {
        group[i] = slots[i];
      }
      RolloutTimes times = new RolloutTimes();
      List<Rollout> made = ReplicaRegistry.withReplica(run, obj, held -> {
        held.syncTo(version, pinned::get);
        return ((PpoReplica) held.replica()).rollout(mine, indices, slots, group, iteration, times);
      });
      if (fail != null) {
        fail.maybeFail(FailureInjection.ROLLOUT, iteration, pid);
      }
      return List.of(new RolloutPart(pid, made, times)).iterator();
    }, true).setName("ppo rollouts of iteration " + iteration).persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static final class Updates {
    BatchStats stats = BatchStats.ZERO;
    int minibatches;
    int skipped;
    boolean earlyStopped;
    double gradNormSum;
    int applied;
    double lr;
    long computeNanos;
    long transferNanos;
    long taskNanos;
    long jobNanos;
    long driverNanos;
  }

  private Updates update(long iteration, float[] values, Optimizer optimizer, JavaRDD<RolloutPart> buffer,
      IterationParams p) {
    Updates u = new Updates();
    int b = settings.batchSize();
    int m = settings.miniBatchSize();
    long mix = settings.seed() * 1_000_003L + iteration;
    outer:
    for (int e = 0; e < settings.ppoEpochs(); e++) {
      EpochPermutation order = new EpochPermutation(b, mix, e);
      for (int k = 0; k < b / m; k++) {
        long from = (long) k * m;
        long to = from + m;
        IterationParams params = p;
        StepJob.Selector<RolloutPart, PpoSample> mine = (pid, part) -> part.minibatch(order, from, to, params);
        long version = optimizer.version();
        long t0 = System.nanoTime();
        GradientSum sum = StepJob.gradients(buffer, mine, runId, objective, updates++, version,
            publisher.publish(version, values), settings.microBatch(), failure, publisher.inMemory());
        long t1 = System.nanoTime();
        u.jobNanos += t1 - t0;
        u.computeNanos += sum.computeNanos();
        u.transferNanos += sum.transferNanos();
        u.taskNanos += sum.taskNanos();
        BatchStats stats = sum.stats();
        u.stats = u.stats.plus(stats);
        u.minibatches++;
        double ratio = stats.extra(PpoReplica.RATIO) / stats.weight();
        if (ratio > settings.ratioThreshold()) {
          u.skipped++;
          optimizer.countSkipped();
          LOG.warn("ppo: iteration {} minibatch {} of PPO epoch {} skipped: mean ratio {} > ratio-threshold {}",
              iteration, k, e, ratio, settings.ratioThreshold());
        } else {
          Optimizer.Update applied = optimizer.apply(sum, values, iteration);
          u.lr = applied.lr();
          if (applied.applied()) {
            u.applied++;
            u.gradNormSum += applied.gradNorm();
          } else {
            u.skipped++;
          }
        }
        u.driverNanos += System.nanoTime() - t1;
        double policyKl = stats.extra(PpoReplica.POLICY_KL) / stats.weight();
        if (settings.earlyStopping() && policyKl > 1.5 * settings.targetKl()) { // TRL's rule
          u.earlyStopped = true;
          LOG.info("ppo: iteration {}: policy KL {} > 1.5 x target-kl {} after {} minibatches; stopping its PPO epochs",
              iteration, policyKl, settings.targetKl(), u.minibatches);
          break outer;
        }
      }
    }
    return u;
  }

  private void report(ObjectNode line, long iteration, double klCoef, RolloutSummary r, AdvantageSummary a, Updates u,
      Optimizer optimizer, long t0, long rolledOut, long prepared, long updated) {
    long n = r.samples();
    BatchStats s = u.stats;
    double w = s.weight();
    line.put("epoch", plan.epochOf(iteration));
    line.put("objective/kl", r.klSum() / n);
    line.put("objective/kl_penalty", r.penaltySum() / n);
    line.put("objective/kl_coef", klCoef);
    line.put("objective/entropy", r.nllSum() / n);
    line.put("env/reward_mean", r.scores().mean());
    line.put("env/reward_std", Math.sqrt(r.scores().variance()));
    line.put("ppo/mean_scores", a.scores().mean());
    line.put("ppo/std_scores", Math.sqrt(a.scores().variance()));
    line.put("ppo/mean_non_score_reward", a.nonScoreReward() / n);
    double policy = s.extra(PpoReplica.POLICY) / w;
    double value = s.extra(PpoReplica.VALUE) / w;
    line.put("ppo/loss/policy", policy);
    line.put("ppo/loss/value", value);
    line.put("ppo/loss/total", policy + settings.vfCoef() * value);
    line.put("loss", policy + settings.vfCoef() * value);
    line.put("ppo/policy/entropy", s.extra(PpoReplica.ENTROPY) / w);
    line.put("ppo/policy/approxkl", s.extra(PpoReplica.APPROX_KL) / w);
    line.put("ppo/policy/policykl", s.extra(PpoReplica.POLICY_KL) / w);
    line.put("ppo/policy/clipfrac", s.extra(PpoReplica.POLICY_CLIPPED) / w);
    line.put("ppo/policy/advantages_mean", s.extra(PpoReplica.ADVANTAGES) / w);
    line.put("ppo/policy/ratio_mean", s.extra(PpoReplica.RATIO) / w);
    double returnsMean = s.extra(PpoReplica.RETURNS) / w;
    line.put("ppo/returns/mean", returnsMean);
    line.put("ppo/returns/var", s.extra(PpoReplica.RETURNS_SQUARED) / w - returnsMean * returnsMean);
    line.put("ppo/val/vpred", s.extra(PpoReplica.VPRED) / w);
    line.put("ppo/val/error", s.extra(PpoReplica.VALUE_ERROR) / w);
    line.put("ppo/val/clipfrac", s.extra(PpoReplica.VALUE_CLIPPED) / w);
    line.put("ppo/val/mean", a.values().mean());
    line.put("ppo/val/var", a.values().variance());
    line.put("ppo/learning_rate", u.lr);
    line.put("lr", u.lr);
    line.put("grad_norm", u.applied > 0 ? u.gradNormSum / u.applied : Double.NaN);
    line.put("ppo/minibatches", u.minibatches);
    line.put("ppo/skipped_minibatches", u.skipped);
    line.put("ppo/early_stopped", u.earlyStopped);
    line.put("skipped", u.skipped > 0);
    line.put("tokens/queries_len_mean", (double) r.queryTokens() / n);
    line.put("tokens/responses_len_mean", (double) r.responseTokens() / n);
    line.put("tokens/missing_eos_fraction", 1.0 - (double) r.withEos() / n);
    line.put("examples", n);
    line.put("tokens", r.queryTokens() + r.responseTokens());
    double rolloutSeconds = (rolledOut - t0) / 1e9;
    line.put("time/ppo/rollout_job", rolloutSeconds);
    line.put("time/ppo/rollout", r.times().generateNanos / 1e9);
    line.put("time/ppo/forward_pass", r.times().forwardNanos / 1e9);
    line.put("time/ppo/scoring", r.times().scoreNanos / 1e9);
    line.put("time/ppo/advantages", (prepared - rolledOut) / 1e9);
    line.put("time/ppo/optimize_step", (updated - prepared) / 1e9);
    line.put("time/ppo/total", (updated - t0) / 1e9);
    // The updates' time split: the slowest task's forward/backward and value/gradient transfer, its
    // whole time (waiting for the JVM's replica included), Spark's job around it, the driver's AdamW.
    line.put("time/ppo/update_compute", u.computeNanos / 1e9);
    line.put("time/ppo/update_transfer", u.transferNanos / 1e9);
    line.put("time/ppo/update_tasks", u.taskNanos / 1e9);
    line.put("time/ppo/update_spark_overhead", Math.max(0, u.jobNanos - u.taskNanos) / 1e9);
    line.put("time/ppo/update_driver", u.driverNanos / 1e9);
    line.put("step_s", (updated - t0) / 1e9);
    line.put("rollout_tokens_per_s", r.times().generatedTokens / Math.max(1e-9, r.times().generateNanos / 1e9));
    line.put("update_tokens_per_s", s.tokens() / Math.max(1e-9, (updated - prepared) / 1e9));
    line.put("tokens_per_s", (r.queryTokens() + r.responseTokens()) / Math.max(1e-9, (updated - t0) / 1e9));
    line.put("version", optimizer.version());
  }

  @Override
  public BatchStats evaluate(long step, long version, float[] values, ObjectNode line) {
    if (evalPrompts == null) {
      return null;
    }
    long t0 = System.nanoTime();
    List<Rollout> made = generateForEval(version, values);
    Evaluation e = new Evaluation(step, made);
    evaluations.add(e);
    line.put("eval/reward_mean", e.meanScore());
    line.put("eval/reward_std", e.scoreSd());
    line.put("eval/kl", e.meanKl());
    line.put("eval/response_length", e.meanLength());
    line.put("eval/eos_fraction", made.stream().filter(Rollout::hitEos).count() / (double) made.size());
    line.put("eval_examples", made.size());
    line.put("eval_s", (System.nanoTime() - t0) / 1e9);
    recordSamples(e);
    double sum = 0;
    double squares = 0;
    long tokens = 0;
    for (Rollout r : made) {
      sum += r.score();
      squares += (double) r.score() * r.score();
      tokens += r.response().length;
    }
    return new BatchStats(sum, made.size(), 0, made.size(), tokens, new double[] {squares, e.meanKl() * made.size()});
  }

  /** One rollout per eval prompt at {@code version}, in prompt order, with the fixed evaluation seeds. */
  private List<Rollout> generateForEval(long version, float[] values) {
    ValueSource source = publisher.publish(version, values);
    String run = runId;
    PpoObjective obj = objective;
    List<Rollout> made = new ArrayList<>(evalPrompts.blocks().flatMap(block -> {
      int n = block.examples().size();
      long[] indices = new long[n];
      int[] slots = new int[n];
      for (int i = 0; i < n; i++) {
        indices[i] = block.start() + i;
        slots[i] = -1;
      }
      RolloutTimes times = new RolloutTimes();
      return ReplicaRegistry.withReplica(run, obj, held -> {
        held.syncTo(version, source::get);
        return ((PpoReplica) held.replica()).rollout(block.examples(), indices, slots, indices, RolloutSettings.EVAL,
            times);
      }).iterator();
    }).collect());
    made.sort(Comparator.comparingLong(Rollout::promptIndex));
    return made;
  }

  private void recordSamples(Evaluation e) {
    for (Rollout r : e.rollouts().subList(0, Math.min(settings.samplesToLog(), e.rollouts().size()))) {
      ObjectNode n = JSON.createObjectNode();
      n.put("step", e.step());
      n.put("prompt_index", r.promptIndex());
      if (decoder != null) {
        n.put("prompt", decoder.apply(r.query()));
        n.put("response", decoder.apply(r.response()));
      }
      n.put("score", r.score());
      n.put("kl", r.klSum());
      n.put("response_length", r.response().length);
      n.put("hit_eos", r.hitEos());
      JSON.valueToTree(r.response());
      n.set("response_ids", JSON.valueToTree(r.response()));
      samples.add(n);
    }
    if (output == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (ObjectNode n : samples) {
      sb.append(n).append('\n');
    }
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(output, SAMPLES_FILE);
    try {
      AtomicFiles.replace(file.getFileSystem(hadoop), file, sb.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot write " + file + ": " + ex.getMessage(), ex);
    }
  }

  @Override
  public String progress(ObjectNode l) {
    return String.format(Locale.ROOT, "reward %.3f ± %.3f, kl %.3f (coef %.4f), loss policy %.4f value %.4f, clipfrac "
            + "%.3f, response %.1f tokens | rollout %.0f tok/s, iteration %.1f s (sampling %.1f, log-probs %.1f, "
            + "scoring %.1f, updates %.1f)", l.path("env/reward_mean").asDouble(), l.path("env/reward_std").asDouble(),
        l.path("objective/kl").asDouble(), l.path("objective/kl_coef").asDouble(), l.path("ppo/loss/policy").asDouble(),
        l.path("ppo/loss/value").asDouble(), l.path("ppo/policy/clipfrac").asDouble(),
        l.path("tokens/responses_len_mean").asDouble(), l.path("rollout_tokens_per_s").asDouble(),
        l.path("time/ppo/total").asDouble(), l.path("time/ppo/rollout").asDouble(),
        l.path("time/ppo/forward_pass").asDouble(), l.path("time/ppo/scoring").asDouble(),
        l.path("time/ppo/optimize_step").asDouble());
  }

  @Override
  public String describeEvaluation(ObjectNode l) {
    return String.format(Locale.ROOT, "reward %.4f ± %.4f, kl %.4f, response %.1f tokens over %d prompts",
        l.path("eval/reward_mean").asDouble(), l.path("eval/reward_std").asDouble(), l.path("eval/kl").asDouble(),
        l.path("eval/response_length").asDouble(), l.path("eval_examples").asLong());
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    objective.writeModel(dir, layout, values);
  }

  @Override
  public JsonNode state() {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode k = n.putObject("kl_controller");
    if (kl instanceof AdaptiveKl a) {
      k.put("type", "adaptive");
      k.put("value", a.value());
      k.put("target", a.target());
      k.put("horizon", a.horizon());
    } else {
      k.put("type", "fixed");
      k.put("value", kl.value());
    }
    ObjectNode r = n.putObject("score_running_moments");
    r.put("mean", running.mean());
    r.put("var", running.var());
    r.put("std", running.std());
    r.put("count", running.count());
    n.put("updates", updates);
    n.put("iterations", completed);
    return n;
  }

  @Override
  public void restore(JsonNode state) {
    if (state == null) {
      throw new IllegalArgumentException("the checkpoint holds no PPO state (KL controller): not a PPO run");
    }
    JsonNode k = state.path("kl_controller");
    kl = k.path("type").asText().equals("adaptive")
        ? new AdaptiveKl(k.path("value").asDouble(), k.path("target").asDouble(), k.path("horizon").asDouble())
        : new FixedKl(k.path("value").asDouble());
    JsonNode r = state.path("score_running_moments");
    running = new RunningMoments(r.path("mean").asDouble(), r.path("var").asDouble(), r.path("std").asDouble(),
        r.path("count").asDouble());
    updates = state.path("updates").asLong();
    completed = state.path("iterations").asLong();
    reloadSamples(completed);
  }

  /**
   * On resume: samples.jsonl keeps the earlier evaluations' lines up to the checkpoint's iteration
   * (later ones are about to be redone; the resumed run appends its own).
   */
  private void reloadSamples(long upTo) {
    if (output == null) {
      return;
    }
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(output, SAMPLES_FILE);
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      if (!fs.exists(file)) {
        return;
      }
      try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
        for (String s = in.readLine(); s != null; s = in.readLine()) {
          if (!s.isBlank()) {
            ObjectNode n = (ObjectNode) JSON.readTree(s);
            if (n.path("step").asLong() <= upTo) {
              samples.add(n);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    layout.close();
    publisher.close();
    ReplicaRegistry.releaseOn(prompts.blocks(), runId);
  }
}
