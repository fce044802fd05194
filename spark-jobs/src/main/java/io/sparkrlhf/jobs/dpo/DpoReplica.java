package io.sparkrlhf.jobs.dpo;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.MicroBatchId;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.jobs.reward.PreferencePair;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.model.rl.DpoLosses;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.train.Trainables;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An executor's DPO models: the policy (trained) and, unless the reference log-probs come with the
 * examples, the reference: the policy with its LoRA adapters switched off, or a frozen copy. A
 * micro-batch's chosen and rejected sequences run as one batch; the loss is summed over pairs.
 */
final class DpoReplica implements Replica<DpoExample> {
  private final DpoObjective objective;
  private final NDManager manager;
  private final DecoderLM policy;
  private final DecoderLM frozenCopy;
  private final Trainables trainables;
  private final ParameterStore ps;

  DpoReplica(DpoObjective objective, Device device) throws IOException {
    this.objective = objective;
    this.manager = NDManager.newBaseManager(device);
    try {
      this.policy = ModelBuilder.build(objective.spec(), manager).model();
      this.frozenCopy = objective.reference() == DpoObjective.Reference.FROZEN_COPY ? frozen(objective, manager) : null;
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    this.trainables = Trainables.of(objective.spec().lora() != null ? policy.loraParameters() : policy.hfParameters(),
        p -> true);
    this.ps = new ParameterStore(manager, false);
  }

  private static DecoderLM frozen(DpoObjective objective, NDManager manager) throws IOException {
    DecoderLM copy = ModelBuilder.build(objective.spec().withLora(null, 0), manager).model();
    for (HfParameter p : copy.hfParameters()) {
      p.parameter().freeze(true);
    }
    return copy;
  }

  DecoderLM policy() {
    return policy;
  }

  @Override
  public Trainables trainables() {
    return trainables;
  }

  private boolean average() {
    return objective.loss().kind().averagesTokens();
  }

  /** The reference's log-probs of each pair's chosen and rejected response: [chosen..., rejected...], no gradients. */
  float[] referenceLogps(List<DpoExample> batch) {
    int b = batch.size();
    if (objective.reference() == DpoObjective.Reference.PRECOMPUTED) {
      float[] out = new float[2 * b];
      for (int i = 0; i < b; i++) {
        float[] ref = batch.get(i).referenceLogps();
        if (ref == null) {
          throw new IllegalStateException("the reference log-probs were to be precomputed, but an example has none");
        }
        out[i] = ref[0];
        out[b + i] = ref[1];
      }
      return out;
    }
    List<PreferencePair> pairs = pairs(batch);
    try (NDManager scope = manager.newSubManager()) {
      if (frozenCopy != null) {
        return PairLogps.of(frozenCopy, ps, scope, pairs, objective.padTokenId(), average(), false).toFloatArray();
      }
      policy.setAdaptersEnabled(false);
      try {
        return PairLogps.of(policy, ps, scope, pairs, objective.padTokenId(), average(), false).toFloatArray();
      } finally {
        policy.setAdaptersEnabled(true);
      }
    }
  }

  @Override
  public BatchStats accumulate(List<DpoExample> batch, MicroBatchId id) {
    float[] ref = referenceLogps(batch);
    policy.seedDropout(id.key(objective.spec().loraSeed()));
    return Autograd.record(collector -> {
      try (NDManager scope = manager.newSubManager()) {
        NDArray logps = PairLogps.of(policy, ps, scope, pairs(batch), objective.padTokenId(), average(), true);
        NDArray total = loss(scope, logps, ref, batch.size());
        collector.backward(total);
        return stats(total.getFloat(), logps.toFloatArray(), ref, batch);
      }
    });
  }

  @Override
  public BatchStats evaluate(List<DpoExample> batch) {
    float[] ref = referenceLogps(batch);
    try (NDManager scope = manager.newSubManager()) {
      NDArray logps = PairLogps.of(policy, ps, scope, pairs(batch), objective.padTokenId(), average(), false);
      return stats(loss(scope, logps, ref, batch.size()).getFloat(), logps.toFloatArray(), ref, batch);
    }
  }

  private NDArray loss(NDManager scope, NDArray logps, float[] ref, int b) {
    NDArray refArray = scope.create(ref);
    DpoLoss l = objective.loss();
    return DpoLosses.losses(logps.get(new NDIndex("0:{}", b)), logps.get(new NDIndex("{}:", b)),
        refArray.get(new NDIndex("0:{}", b)), refArray.get(new NDIndex("{}:", b)), l.kind(), l.beta(),
        l.labelSmoothing()).sum();
  }

  /** Summed loss over pairs, pairs whose chosen implicit reward is higher, and TRL's reward and log-prob sums. */
  private BatchStats stats(double lossSum, float[] logps, float[] ref, List<DpoExample> batch) {
    int b = batch.size();
    double beta = objective.loss().beta();
    double[] extras = new double[DpoObjective.EXTRAS];
    int correct = 0;
    for (int i = 0; i < b; i++) {
      double chosen = DpoLosses.reward(logps[i], ref[i], beta);
      double rejected = DpoLosses.reward(logps[b + i], ref[b + i], beta);
      extras[DpoObjective.REWARDS_CHOSEN] += chosen;
      extras[DpoObjective.REWARDS_REJECTED] += rejected;
      extras[DpoObjective.LOGPS_CHOSEN] += logps[i];
      extras[DpoObjective.LOGPS_REJECTED] += logps[b + i];
      correct += chosen > rejected ? 1 : 0;
    }
    return new BatchStats(lossSum, b, correct, b, PairLogps.tokens(pairs(batch)), extras);
  }

  private static List<PreferencePair> pairs(List<DpoExample> batch) {
    List<PreferencePair> out = new ArrayList<>(batch.size());
    for (DpoExample e : batch) {
      out.add(e.pair());
    }
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
