package io.sparkrlhf.jobs.ppo;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.MicroBatchId;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.generate.Generator;
import io.sparkrlhf.model.heads.ScalarHead;
import io.sparkrlhf.model.ops.Scalars;
import io.sparkrlhf.model.rl.KlEstimator;
import io.sparkrlhf.model.rl.KlPenalty;
import io.sparkrlhf.model.rl.PpoLosses;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.train.Trainables;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An executor's PPO models, built once per JVM and run: the policy with its value head on the same
 * trunk (trained), the reference policy (the same weights with the LoRA adapters switched off, or a
 * frozen copy for full fine-tuning), and the frozen reward model. Rollouts sample, score and record
 * per-token log-probs, reference log-probs, values and KL; updates run the clipped PPO objective.
 */
final class PpoReplica implements Replica<PpoSample> {
  /** Slots of {@link BatchStats#extras} a PPO update fills, summed over response tokens. */
  static final int POLICY = 0;
  static final int VALUE = 1;
  static final int POLICY_CLIPPED = 2;
  static final int VALUE_CLIPPED = 3;
  static final int RATIO = 4;
  static final int APPROX_KL = 5;
  static final int POLICY_KL = 6;
  static final int VALUE_ERROR = 7;
  static final int ENTROPY = 8;
  static final int RETURNS = 9;
  static final int RETURNS_SQUARED = 10;
  static final int VPRED = 11;
  static final int ADVANTAGES = 12;
  static final int EXTRAS = 13;

  private final PpoObjective objective;
  private final NDManager manager;
  private final DecoderLM policy;
  private final ScalarHead valueHead;
  private final DecoderLM reference;
  private final RewardScorers reward;
  private final Trainables trainables;
  private final ParameterStore ps;

  PpoReplica(PpoObjective objective, Device device) throws IOException {
    this.objective = objective;
    this.manager = NDManager.newBaseManager(device);
    try {
      this.policy = ModelBuilder.build(objective.policy(), manager).model();
      if (objective.reference() != null || objective.policy().lora() == null) {
        ModelSpec ref = objective.reference() != null ? objective.reference() : objective.policy();
        this.reference = ModelBuilder.build(ref, manager).model();
        for (HfParameter p : reference.hfParameters()) {
          p.parameter().freeze(true);
        }
      } else {
        this.reference = null; // adapters off
      }
      this.reward = new RewardScorers(objective.reward(), manager, objective.rollout().padTokenId());
      this.valueHead = ScalarHead.value(policy.config().hiddenSize());
      valueHead.initialize(manager, objective.policy().dataType());
      List<HfParameter> head = valueHead.hfParameters();
      float[] weight = objective.valueHeadFromReward() ? reward.scoreWeight() : new float[(int) policy.config().hiddenSize()];
      if (weight.length != policy.config().hiddenSize()) {
        throw new IllegalArgumentException("value-head-init = reward-model needs a reward model of the policy's hidden "
            + "size " + policy.config().hiddenSize() + ", found " + weight.length);
      }
      HfWeights.assign(head.get(0), weight);
      HfWeights.assign(head.get(1), new float[1]);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    List<HfParameter> trained = new ArrayList<>(objective.policy().lora() != null ? policy.loraParameters()
        : policy.hfParameters());
    trained.addAll(valueHead.hfParameters());
    this.trainables = Trainables.of(trained, p -> true);
    this.ps = new ParameterStore(manager, false);
  }

  @Override
  public Trainables trainables() {
    return trainables;
  }

  /**
   * Rollouts for {@code prompts} (global prompt indices {@code indices}, batch slots {@code slots}):
   * generated in chunks of consecutive {@code group} keys ({@code group[i] / rolloutBatch}), so the
   * rows that share a batch, and with them every number, do not depend on the partitioning.
   */
  List<Rollout> rollout(List<RlPrompt> prompts, long[] indices, int[] slots, long[] group, long iteration,
      RolloutTimes times) {
    RolloutSettings r = objective.rollout();
    List<Rollout> out = new ArrayList<>(prompts.size());
    int from = 0;
    while (from < prompts.size()) {
      int to = from + 1;
      while (to < prompts.size() && group[to] / r.rolloutBatch() == group[from] / r.rolloutBatch()) {
        to++;
      }
      out.addAll(rolloutChunk(prompts.subList(from, to), Arrays.copyOfRange(indices, from, to),
          Arrays.copyOfRange(slots, from, to), iteration, times));
      from = to;
    }
    return out;
  }

  private List<Rollout> rolloutChunk(List<RlPrompt> prompts, long[] indices, int[] slots, long iteration,
      RolloutTimes times) {
    RolloutSettings r = objective.rollout();
    int b = prompts.size();
    long[] seeds = new long[b];
    int[] limits = new int[b];
    List<int[]> queries = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      seeds[i] = r.rowSeed(iteration, indices[i]);
      limits[i] = r.rowLimit(iteration, indices[i]);
      queries.add(prompts.get(i).ids());
    }
    long t0 = System.nanoTime();
    Generator.Result g = Generator.generate(policy, queries, r.sampling(), seeds, limits, manager);
    long generated = System.nanoTime();
    List<int[]> responses = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      responses.add(Arrays.copyOf(g.tokens()[i], g.lengths()[i]));
    }
    Forward f = forwardNoGrad(queries, responses);
    long forwarded = System.nanoTime();
    List<int[]> scored = new ArrayList<>(b);
    boolean[] unsafe = new boolean[b];
    for (int i = 0; i < b; i++) {
      unsafe[i] = objective.reward().rule().unsafe(prompts.get(i));
      int[] resp = responses.get(i);
      int keep = r.isEos(resp[resp.length - 1]) ? resp.length - 1 : resp.length; // the RM saw no EOS
      int[] seq = Arrays.copyOf(queries.get(i), queries.get(i).length + keep);
      System.arraycopy(resp, 0, seq, queries.get(i).length, keep);
      scored.add(seq);
    }
    float[] scores = reward.score(manager, scored, unsafe);
    long done = System.nanoTime();
    times.add(generated - t0, forwarded - generated, done - forwarded,
        Arrays.stream(g.lengths()).asLongStream().sum());
    List<Rollout> out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      int[] resp = responses.get(i);
      out.add(new Rollout(slots[i], indices[i], queries.get(i), resp, r.isEos(resp[resp.length - 1]),
          f.logprobs[i], f.refLogprobs[i], f.values[i], f.kl[i], scores[i]));
    }
    return out;
  }

  private record Forward(float[][] logprobs, float[][] refLogprobs, float[][] values, float[][] kl) {}

  /** Log-probs, reference log-probs, values and KL estimates of each response token, without gradients. */
  private Forward forwardNoGrad(List<int[]> queries, List<int[]> responses) {
    KlEstimator kind = objective.rollout().klPenalty();
    try (NDManager scope = manager.newSubManager()) {
      Batch in = Batch.of(scope, queries, responses, objective.rollout().padTokenId());
      NDArray hidden = in.window(policy.forwardHidden(ps, in.ids, in.mask, null, null, false).hidden()); // (B, R, H)
      NDArray logSoftmax = policy.logits(ps, hidden, false).toType(DataType.FLOAT32, false).logSoftmax(-1); // (B, R, V)
      NDArray lp = gather(logSoftmax, in.targets);
      NDArray values = valueHead.perToken(ps, hidden, false).toType(DataType.FLOAT32, false);
      NDArray refLogSoftmax;
      if (reference == null) {
        policy.setAdaptersEnabled(false);
        try {
          refLogSoftmax = referenceLogSoftmax(policy, in);
        } finally {
          policy.setAdaptersEnabled(true);
        }
      } else {
        refLogSoftmax = referenceLogSoftmax(reference, in);
      }
      NDArray refLp = gather(refLogSoftmax, in.targets);
      float[] full = kind == KlEstimator.FULL
          ? logSoftmax.exp().mul(logSoftmax.sub(refLogSoftmax)).sum(new int[] {-1}).toFloatArray() : null;
      float[] lpAll = lp.toFloatArray();
      float[] refAll = refLp.toFloatArray();
      float[] vAll = values.toFloatArray();
      int width = in.width;
      int b = queries.size();
      float[][] lps = new float[b][];
      float[][] refs = new float[b][];
      float[][] vals = new float[b][];
      float[][] kls = new float[b][];
      for (int i = 0; i < b; i++) {
        int n = responses.get(i).length;
        lps[i] = Arrays.copyOfRange(lpAll, i * width, i * width + n);
        refs[i] = Arrays.copyOfRange(refAll, i * width, i * width + n);
        vals[i] = Arrays.copyOfRange(vAll, i * width, i * width + n);
        kls[i] = new float[n];
        for (int t = 0; t < n; t++) {
          kls[i][t] = (float) (full != null ? full[i * width + t] : KlPenalty.estimate(kind, lps[i][t], refs[i][t]));
        }
      }
      return new Forward(lps, refs, vals, kls);
    }
  }

  private NDArray referenceLogSoftmax(DecoderLM model, Batch in) {
    NDArray hidden = in.window(model.forwardHidden(ps, in.ids, in.mask, null, null, false).hidden());
    return model.logits(ps, hidden, false).toType(DataType.FLOAT32, false).logSoftmax(-1);
  }

  private static NDArray gather(NDArray logSoftmax, NDArray targets) {
    return logSoftmax.gather(targets.expandDims(-1), 2).squeeze(-1);
  }

  @Override
  public BatchStats accumulate(List<PpoSample> samples, MicroBatchId id) {
    policy.seedDropout(id.key(objective.policy().loraSeed()));
    return Autograd.record(collector -> {
      try (NDManager scope = manager.newSubManager()) {
        List<int[]> queries = new ArrayList<>(samples.size());
        List<int[]> responses = new ArrayList<>(samples.size());
        for (PpoSample s : samples) {
          queries.add(s.rollout().query());
          responses.add(s.rollout().response());
        }
        Batch in = Batch.of(scope, queries, responses, objective.rollout().padTokenId());
        NDArray hidden = in.window(policy.forwardHidden(ps, in.ids, in.mask, null, null, true).hidden()); // (B, R, H)
        NDArray logits = policy.logits(ps, hidden, true).toType(DataType.FLOAT32, false); // (B, R, V)
        NDArray lp = gather(logits.logSoftmax(-1), in.targets);
        NDArray values = valueHead.perToken(ps, hidden, true).toType(DataType.FLOAT32, false);
        int b = samples.size();
        int width = in.width;
        float[] oldLp = new float[b * width];
        float[] oldV = new float[b * width];
        float[] adv = new float[b * width];
        float[] ret = new float[b * width];
        float[] mask = new float[b * width];
        double returns = 0;
        double returnsSquared = 0;
        double advantages = 0;
        for (int i = 0; i < b; i++) {
          PpoSample s = samples.get(i);
          for (int t = 0; t < s.rollout().response().length; t++) {
            int at = i * width + t;
            oldLp[at] = s.rollout().logprobs()[t];
            oldV[at] = s.rollout().values()[t];
            adv[at] = s.advantages()[t];
            ret[at] = s.returns()[t];
            mask[at] = 1;
            returns += s.returns()[t];
            returnsSquared += (double) s.returns()[t] * s.returns()[t];
            advantages += s.advantages()[t];
          }
        }
        Shape shape = new Shape(b, width);
        NDArray maskArray = scope.create(mask, shape);
        PpoLosses.Sums sums = PpoLosses.clipped(lp, scope.create(oldLp, shape), scope.create(adv, shape), values,
            scope.create(oldV, shape), scope.create(ret, shape), maskArray, objective.loss().cliprange(),
            objective.loss().cliprangeValue());
        NDArray loss = sums.policySum().add(Scalars.mul(sums.valueSum(), objective.loss().vfCoef()));
        collector.backward(loss);
        double entropy = PpoLosses.entropyFromLogits(logits.stopGradient()).mul(maskArray).sum().getFloat();
        double tokens = sums.tokens().getFloat();
        double[] extras = new double[EXTRAS];
        extras[POLICY] = sums.policySum().getFloat();
        extras[VALUE] = sums.valueSum().getFloat();
        extras[POLICY_CLIPPED] = sums.policyClipped().getFloat();
        extras[VALUE_CLIPPED] = sums.valueClipped().getFloat();
        extras[RATIO] = sums.ratioSum().getFloat();
        extras[APPROX_KL] = sums.approxKlSum().getFloat();
        extras[POLICY_KL] = sums.policyKlSum().getFloat();
        extras[VALUE_ERROR] = sums.valueErrorSum().getFloat();
        extras[ENTROPY] = entropy;
        extras[RETURNS] = returns;
        extras[RETURNS_SQUARED] = returnsSquared;
        extras[VPRED] = values.stopGradient().mul(maskArray).sum().getFloat();
        extras[ADVANTAGES] = advantages;
        return new BatchStats(loss.getFloat(), tokens, 0, b, (long) tokens, extras);
      }
    });
  }

  @Override
  public BatchStats evaluate(List<PpoSample> microBatch) {
    return BatchStats.ZERO; // PPO evaluates by generating (PpoProgram.evaluate), not by a loss
  }

  /**
   * query + response, right-padded: ids and mask (B, T); and the response window (B, R), R the
   * longest response: for row i, position q_i − 1 + t predicts response token t ({@code targets});
   * window cells past a row's response point at position 0 and are masked.
   */
  private record Batch(NDArray ids, NDArray mask, NDArray positions, NDArray targets, int width) {
    static Batch of(NDManager scope, List<int[]> queries, List<int[]> responses, int pad) {
      int b = queries.size();
      int t = 0;
      int r = 0;
      for (int i = 0; i < b; i++) {
        t = Math.max(t, queries.get(i).length + responses.get(i).length);
        r = Math.max(r, responses.get(i).length);
      }
      long[] ids = new long[b * t];
      long[] mask = new long[b * t];
      long[] positions = new long[b * r];
      long[] targets = new long[b * r];
      for (int i = 0; i < b; i++) {
        int[] q = queries.get(i);
        int[] resp = responses.get(i);
        for (int j = 0; j < t; j++) {
          boolean real = j < q.length + resp.length;
          ids[i * t + j] = j < q.length ? q[j] : real ? resp[j - q.length] : pad;
          mask[i * t + j] = real ? 1 : 0;
        }
        for (int j = 0; j < resp.length; j++) {
          positions[i * r + j] = q.length - 1 + j;
          targets[i * r + j] = resp[j];
        }
      }
      return new Batch(scope.create(ids, new Shape(b, t)), scope.create(mask, new Shape(b, t)),
          scope.create(positions, new Shape(b, r)), scope.create(targets, new Shape(b, r)), r);
    }

    /** The hidden states (B, T, H) at the window's positions: (B, R, H). */
    NDArray window(NDArray hidden) {
      Shape s = hidden.getShape();
      NDArray index = positions.expandDims(-1).broadcast(new Shape(s.get(0), width, s.get(2)));
      return hidden.gather(index, 1);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
