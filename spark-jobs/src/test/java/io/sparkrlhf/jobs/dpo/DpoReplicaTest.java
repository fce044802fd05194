package io.sparkrlhf.jobs.dpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.MicroBatchId;
import io.sparkrlhf.jobs.reward.PreferencePair;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.model.transformer.DecoderLM;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The replica's reference: with LoRA adapters off it is the base model (against a separately built
 * base and a log-softmax in plain doubles); precomputed log-probs equal those computed on the fly;
 * an unmoved policy has loss log 2 and implicit rewards 0.
 */
class DpoReplicaTest {
  /** Moves every trainable value off its start (LoRA's B too), so the policy differs from the reference. */
  private static void perturb(DpoReplica r, long seed) {
    float[] values = r.trainables().values();
    Random rnd = new Random(seed);
    for (int i = 0; i < values.length; i++) {
      values[i] += 0.3f * (float) rnd.nextGaussian();
    }
    r.trainables().setValues(values);
  }

  @Test
  void withAdaptersOffTheReferenceIsTheBaseModelInPlainDoubles() throws Exception {
    List<DpoExample> batch = DpoFixtures.pairs(5, 1);
    DpoObjective objective = DpoFixtures.objective(true, DpoObjective.Reference.ADAPTERS_OFF);
    try (DpoReplica r = new DpoReplica(objective, Device.cpu()); NDManager m = NDManager.newBaseManager()) {
      perturb(r, 3);
      float[] reference = r.referenceLogps(batch);
      DecoderLM base = ModelBuilder.build(DpoFixtures.policy(false), m).model(); // the same seed, no adapters
      double worst = 0;
      double referenceChosen = 0;
      for (int i = 0; i < batch.size(); i++) {
        PreferencePair p = batch.get(i).pair();
        double chosen = logprobInDoubles(base, m, p.prompt(), p.chosen());
        double rejected = logprobInDoubles(base, m, p.prompt(), p.rejected());
        worst = Math.max(worst, Math.max(Math.abs(chosen - reference[i]), Math.abs(rejected - reference[batch.size() + i])));
        referenceChosen += reference[i];
      }
      double policyVsReference = Math.abs(r.evaluate(batch).extra(DpoObjective.LOGPS_CHOSEN) - referenceChosen);
      assertTrue(worst < 1e-4, "reference log-probs differ from the base model's by " + worst);
      assertTrue(policyVsReference > 1e-2, "the adapters change the policy: " + policyVsReference);
    }
  }

  /** Σ log p(response token | prefix) under {@code model}, softmax in plain doubles over each logits row. */
  static double logprobInDoubles(DecoderLM model, NDManager m, int[] prompt, int[] response) {
    int t = prompt.length + response.length;
    long[] ids = new long[t];
    for (int i = 0; i < t; i++) {
      ids[i] = i < prompt.length ? prompt[i] : response[i - prompt.length];
    }
    float[] logits = model.forward(new ParameterStore(m, false), m.create(ids, new Shape(1, t)),
        m.ones(new Shape(1, t), DataType.INT64), null, null, false).logits().toFloatArray();
    int v = model.config().vocabSize();
    double total = 0;
    for (int k = 0; k < response.length; k++) {
      int pos = prompt.length - 1 + k;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, logits[pos * v + j]);
      }
      double sum = 0;
      for (int j = 0; j < v; j++) {
        sum += Math.exp(logits[pos * v + j] - max);
      }
      total += logits[pos * v + response[k]] - max - Math.log(sum);
    }
    return total;
  }

  @Test
  void precomputedReferenceLogpsEqualTheOnTheFlyOnes() throws Exception {
    List<DpoExample> batch = DpoFixtures.pairs(6, 2);
    for (boolean lora : new boolean[] {false, true}) {
      DpoObjective onTheFly = DpoFixtures.objective(lora, lora ? DpoObjective.Reference.ADAPTERS_OFF
          : DpoObjective.Reference.FROZEN_COPY);
      DpoObjective precomputed = DpoFixtures.objective(lora, DpoObjective.Reference.PRECOMPUTED);
      ReferenceObjective reference = new ReferenceObjective(DpoFixtures.policy(lora), false, 0);
      try (DpoReplica a = new DpoReplica(onTheFly, Device.cpu()); DpoReplica b = new DpoReplica(precomputed, Device.cpu());
          ReferenceReplica ref = new ReferenceReplica(reference, Device.cpu())) {
        perturb(a, 5);
        b.trainables().setValues(a.trainables().values());
        float[] logps = ref.logps(batch);
        List<DpoExample> carried = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          carried.add(new DpoExample(batch.get(i).pair(), new float[] {logps[i], logps[batch.size() + i]}));
        }
        assertArrayEquals(a.referenceLogps(batch), b.referenceLogps(carried), 1e-5f, "lora=" + lora);
        BatchStats fly = a.accumulate(batch, new MicroBatchId(0, 0, 0));
        BatchStats pre = b.accumulate(carried, new MicroBatchId(0, 0, 0));
        assertEquals(fly.lossSum(), pre.lossSum(), 1e-5, "lora=" + lora);
        assertEquals(fly.extra(DpoObjective.REWARDS_CHOSEN), pre.extra(DpoObjective.REWARDS_CHOSEN), 1e-5);
        assertArrayEquals(a.trainables().gradients(), b.trainables().gradients(), 1e-5f, "lora=" + lora);
        assertTrue(Math.abs(fly.lossSum() - batch.size() * Math.log(2)) > 1e-3, "the policy was moved off the reference");
      }
    }
    DpoObjective precomputed = DpoFixtures.objective(false, DpoObjective.Reference.PRECOMPUTED);
    try (DpoReplica b = new DpoReplica(precomputed, Device.cpu())) {
      assertThrows(IllegalStateException.class, () -> b.evaluate(batch), "no reference log-probs came with the pairs");
    }
  }

  @Test
  void anUnmovedPolicyHasLossLogTwoAndRewardsZero() throws Exception {
    List<DpoExample> batch = DpoFixtures.pairs(4, 3);
    for (boolean lora : new boolean[] {false, true}) {
      DpoObjective objective = DpoFixtures.objective(lora, lora ? DpoObjective.Reference.ADAPTERS_OFF
          : DpoObjective.Reference.FROZEN_COPY);
      try (DpoReplica r = new DpoReplica(objective, Device.cpu())) {
        BatchStats s = r.accumulate(batch, new MicroBatchId(0, 0, 0));
        assertEquals(Math.log(2), s.loss(), 1e-6, "lora=" + lora);
        assertEquals(0, s.extra(DpoObjective.REWARDS_CHOSEN), 1e-6);
        assertEquals(0, s.extra(DpoObjective.REWARDS_REJECTED), 1e-6);
        assertEquals(0, s.correct(), "a tie is not a win (TRL)");
        assertTrue(s.extra(DpoObjective.LOGPS_CHOSEN) < 0);
        assertEquals(batch.size(), s.weight(), 0, "the loss is a mean over pairs");
      }
    }
  }
}
