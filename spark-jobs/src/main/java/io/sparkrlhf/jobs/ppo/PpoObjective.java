package io.sparkrlhf.jobs.ppo;

import ai.djl.Device;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.jobs.train.HfCheckpoints;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code reference}: a frozen model the KL is measured against instead of the starting policy (null:
 * the starting policy; evaluation sets it to compare a trained policy with the one it came from).
 * PPO's models, shipped to executors: the policy (full fine-tuning or LoRA adapters, as its spec
 * says) with a value head, the reward model (or two: helpfulness and safety), how to roll out and the loss constants. A checkpoint is
 * the policy as a Hugging Face directory or PEFT adapter, plus the value head in
 * {@code value_head.safetensors} (TRL's {@code v_head.summary.*} names).
 */
public record PpoObjective(ModelSpec policy, RewardModels reward, RolloutSettings rollout, LossSettings loss,
    boolean valueHeadFromReward, ModelSpec reference) implements Objective<PpoSample> {
  public static final String VALUE_HEAD_FILE = "value_head";
  static final String VALUE_HEAD_PREFIX = "v_head.";

  /** The KL reference is the policy as it starts (LoRA: adapters off). */
  public PpoObjective(ModelSpec policy, RewardModels reward, RolloutSettings rollout, LossSettings loss,
      boolean valueHeadFromReward) {
    this(policy, reward, rollout, loss, valueHeadFromReward, null);
  }

  /** With one reward model. */
  public PpoObjective(ModelSpec policy, ModelSpec reward, RolloutSettings rollout, LossSettings loss,
      boolean valueHeadFromReward) {
    this(policy, RewardModels.one(reward), rollout, loss, valueHeadFromReward, null);
  }

  @Override
  public Replica<PpoSample> createReplica(Device device) throws IOException {
    return new PpoReplica(this, device);
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    List<String> policyNames = new ArrayList<>();
    List<long[]> policyShapes = new ArrayList<>();
    List<SafetensorsWriter.Tensor> head = new ArrayList<>();
    List<float[]> policyValues = new ArrayList<>();
    for (int i = 0; i < layout.names().size(); i++) {
      String name = layout.names().get(i);
      float[] v = layout.slice(values, i);
      if (name.startsWith(VALUE_HEAD_PREFIX)) {
        head.add(new SafetensorsWriter.Tensor(name, DType.F32, layout.shapes().get(i), v));
      } else {
        policyNames.add(name);
        policyShapes.add(layout.shapes().get(i));
        policyValues.add(v);
      }
    }
    TrainableLayout policyLayout = new TrainableLayout(policyNames, policyShapes);
    float[] flat = new float[policyLayout.size()];
    int at = 0;
    for (float[] v : policyValues) {
      System.arraycopy(v, 0, flat, at, v.length);
      at += v.length;
    }
    if (policy.lora() == null) {
      HfCheckpoints.writeFull(dir, policy, policyLayout, flat, false);
    } else {
      HfCheckpoints.writeAdapter(dir, policy, policyLayout, flat, "CAUSAL_LM", List.of());
    }
    CheckpointWriter.write(dir, VALUE_HEAD_FILE, head, Long.MAX_VALUE, Map.of("format", "pt"));
  }
}
