package io.sparkrlhf.jobs.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.transformer.DecoderLM;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica's rollouts: the reference with LoRA adapters off is the base model (checked against a
 * separately built base model and a log-softmax in plain doubles); a policy that has not moved has
 * KL 0 and ratio 1; retried rollouts sample the same tokens.
 */
class PpoReplicaTest {
  @TempDir static Path dir;
  private static Path reward;

  @BeforeAll
  static void rewardModel() throws Exception {
    reward = PpoFixtures.rewardModel(dir.resolve("reward"));
  }

  private static PpoReplica replica(boolean lora, String... overrides) throws Exception {
    PpoSettings s = PpoFixtures.settings(overrides);
    return new PpoReplica(PpoFixtures.objective(PpoFixtures.policy(lora), reward, s), Device.cpu());
  }

  private static List<Rollout> rollout(PpoReplica r, List<RlPrompt> prompts, long iteration) {
    long[] indices = new long[prompts.size()];
    int[] slots = new int[prompts.size()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = i;
      slots[i] = i;
    }
    return r.rollout(prompts, indices, slots, indices, iteration, new RolloutTimes());
  }

  @Test
  void referenceWithAdaptersOffIsTheBaseModel() throws Exception {
    List<RlPrompt> prompts = PpoFixtures.prompts(6, 8);
    try (PpoReplica r = replica(true); NDManager m = NDManager.newBaseManager()) {
      float[] values = r.trainables().values();
      Random rnd = new Random(3);
      for (int i = 0; i < values.length; i++) {
        values[i] = 0.3f * (float) rnd.nextGaussian(); // the adapters (B too) and the value head move off zero
      }
      r.trainables().setValues(values);
      ModelSpec base = PpoFixtures.policy(true).withLora(null, 0);
      DecoderLM reference = ModelBuilder.build(base, m).model();
      double maxDiff = 0;
      double policyVsReference = 0;
      for (Rollout ro : rollout(r, prompts, 0)) {
        double[] expected = logprobsInDoubles(reference, m, ro.query(), ro.response());
        for (int t = 0; t < expected.length; t++) {
          maxDiff = Math.max(maxDiff, Math.abs(expected[t] - ro.refLogprobs()[t]));
          policyVsReference = Math.max(policyVsReference, Math.abs(ro.logprobs()[t] - ro.refLogprobs()[t]));
          assertEquals(ro.logprobs()[t] - ro.refLogprobs()[t], ro.kl()[t], 1e-6, "kl penalty = logp - ref");
        }
      }
      assertTrue(maxDiff < 1e-5, "reference log-probs differ from the base model's by " + maxDiff);
      assertTrue(policyVsReference > 1e-3, "the adapters change the policy: " + policyVsReference);
    }
  }

  /** log p(response | query) under {@code model}, softmax in plain doubles over the logits row. */
  private static double[] logprobsInDoubles(DecoderLM model, NDManager m, int[] query, int[] response) {
    int t = query.length + response.length;
    long[] ids = new long[t];
    for (int i = 0; i < t; i++) {
      ids[i] = i < query.length ? query[i] : response[i - query.length];
    }
    NDArray idArray = m.create(ids, new Shape(1, t));
    float[] logits = model.forward(new ParameterStore(m, false), idArray, m.ones(new Shape(1, t),
        ai.djl.ndarray.types.DataType.INT64), null, null, false).logits().toFloatArray();
    int v = model.config().vocabSize();
    double[] out = new double[response.length];
    for (int k = 0; k < response.length; k++) {
      int pos = query.length - 1 + k;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, logits[pos * v + j]);
      }
      double sum = 0;
      for (int j = 0; j < v; j++) {
        sum += Math.exp(logits[pos * v + j] - max);
      }
      out[k] = logits[pos * v + response[k]] - max - Math.log(sum);
    }
    return out;
  }

  @Test
  void anUnmovedPolicyHasKlZeroAndRatioOne() throws Exception {
    for (boolean lora : new boolean[] {false, true}) {
      try (PpoReplica r = replica(lora)) {
        List<Rollout> rollouts = rollout(r, PpoFixtures.prompts(6, 9), 0);
        List<PpoSample> samples = new ArrayList<>();
        Random rnd = new Random(1);
        for (Rollout ro : rollouts) {
          for (float k : ro.kl()) {
            assertEquals(0f, k, 1e-7f, "lora=" + lora + ": policy == reference at the start");
          }
          int n = ro.response().length;
          float[] adv = new float[n];
          float[] ret = new float[n];
          for (int t = 0; t < n; t++) {
            adv[t] = (float) rnd.nextGaussian();
            ret[t] = (float) rnd.nextGaussian();
          }
          samples.add(new PpoSample(ro, adv, ret));
        }
        BatchStats stats = r.accumulate(samples, new io.sparkrlhf.engine.MicroBatchId(0, 0, 0));
        assertEquals(1.0, stats.extra(PpoReplica.RATIO) / stats.weight(), 1e-5, "lora=" + lora + ": mean ratio");
        assertEquals(0.0, stats.extra(PpoReplica.APPROX_KL) / stats.weight(), 1e-9);
        assertEquals(0.0, stats.extra(PpoReplica.POLICY_CLIPPED), 0.0);
        long tokens = rollouts.stream().mapToLong(ro -> ro.response().length).sum();
        assertEquals(tokens, stats.weight(), 0.0, "the loss is averaged over response tokens");
      }
    }
  }

  @Test
  void theValueHeadStartsAtZeroOrFromTheRewardModelsScoreHead() throws Exception {
    float[] score;
    try (io.sparkrlhf.model.checkpoint.CheckpointTensors t = io.sparkrlhf.model.checkpoint.CheckpointTensors.open(reward)) {
      score = t.readFloats("score.weight");
    }
    for (String init : new String[] {"zero", "reward-model"}) {
      try (PpoReplica r = replica(false, "ppo.value-head-init=" + init)) {
        io.sparkrlhf.engine.TrainableLayout layout = io.sparkrlhf.engine.TrainableLayout.of(r.trainables());
        float[] values = r.trainables().values();
        int w = layout.names().indexOf("v_head.summary.weight");
        int b = layout.names().indexOf("v_head.summary.bias");
        float[] expected = init.equals("zero") ? new float[score.length] : score;
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, layout.slice(values, w), 0f, init);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[1], layout.slice(values, b), 0f, init);
      }
    }
  }

  @Test
  void rolloutsArePureFunctionsOfSeedIterationAndPromptIndex() throws Exception {
    List<RlPrompt> prompts = PpoFixtures.prompts(8, 10);
    try (PpoReplica r = replica(false)) {
      List<Rollout> a = rollout(r, prompts, 3);
      List<Rollout> again = rollout(r, prompts, 3);
      List<Rollout> other = rollout(r, prompts, 4);
      boolean differs = false;
      for (int i = 0; i < a.size(); i++) {
        assertEquals(java.util.Arrays.toString(a.get(i).response()), java.util.Arrays.toString(again.get(i).response()));
        int limit = PpoFixtures.settings().maxNewTokens();
        assertTrue(a.get(i).response().length >= 1 && a.get(i).response().length <= limit);
        differs |= !java.util.Arrays.equals(a.get(i).response(), other.get(i).response());
      }
      assertTrue(differs, "another iteration samples other responses");
      // A prompt's response does not depend on which prompts share its generation batch.
      List<Rollout> alone = r.rollout(prompts.subList(5, 6), new long[] {5}, new int[] {5}, new long[] {5}, 3,
          new RolloutTimes());
      assertEquals(java.util.Arrays.toString(a.get(5).response()), java.util.Arrays.toString(alone.get(0).response()));
    }
  }
}
