package io.sparkrlhf.jobs.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.InProcessStepRunner;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.heads.ScalarHead;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.PeftAdapter;
import io.sparkrlhf.model.transformer.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reward checkpoints (full, or a SEQ_CLS adapter with the score head) give back the trained rewards. */
class RewardCheckpointTest {
  @TempDir Path tmp;

  private static List<int[]> sequences(List<PreferencePair> pairs) {
    List<int[]> out = new ArrayList<>();
    for (PreferencePair p : pairs) {
      int[] s = new int[p.prompt().length + p.chosen().length];
      System.arraycopy(p.prompt(), 0, s, 0, p.prompt().length);
      System.arraycopy(p.chosen(), 0, s, p.prompt().length, p.chosen().length);
      out.add(s);
    }
    return out;
  }

  private static Trainer.Result train(RewardObjective objective, List<PreferencePair> data, String output) {
    TrainerOptions options = TrainerOptions.simple(3, 4, 2, 1e-2, 1);
    try (InProcessStepRunner<PreferencePair> runner = new InProcessStepRunner<>("reward-" + System.nanoTime(),
        objective, data, null, 4, 2, 1)) {
      return new Trainer("reward", "r", output, new Configuration(), objective, runner, options).run();
    }
  }

  private static float[] trainedRewards(RewardObjective objective, float[] values, List<int[]> sequences) throws Exception {
    try (RewardReplica replica = new RewardReplica(objective, Device.cpu())) {
      replica.trainables().setValues(values);
      return replica.rewards(sequences);
    }
  }

  /** Rewards of one sequence at a time with a loaded transformer and score head. */
  private static float[] rewards(DecoderLM model, ScalarHead score, List<int[]> sequences, NDManager manager) {
    float[] out = new float[sequences.size()];
    for (int i = 0; i < out.length; i++) {
      try (NDManager scope = manager.newSubManager()) {
        long[] ids = java.util.Arrays.stream(sequences.get(i)).asLongStream().toArray();
        NDArray tokens = scope.create(ids, new Shape(1, ids.length));
        NDArray mask = scope.ones(tokens.getShape(), DataType.INT64);
        ParameterStore ps = new ParameterStore(scope, false);
        out[i] = score.atLastToken(ps, model.forwardHidden(ps, tokens, mask, null, false).hidden(), mask, false).getFloat(0);
      }
    }
    return out;
  }

  @Test
  void aFullRewardCheckpointIsASequenceClassifierWithItsScoreHead() throws Exception {
    ModelConfig config = TinyModels.gpt2();
    RewardObjective objective = new RewardObjective(ModelSpec.fresh(config, 5, "float32", null, 0), 64, 0.0, 0, 9);
    List<PreferencePair> data = RandomPairs.of(12, config.vocabSize(), 3);
    Trainer.Result result = train(objective, data, tmp.resolve("full").toString());
    Path checkpoint = Path.of(result.lastCheckpoint().orElseThrow().path().toUri().getPath());

    try (NDManager manager = NDManager.newBaseManager();
        CheckpointTensors tensors = CheckpointTensors.open(checkpoint)) {
      DecoderLM model = new DecoderLM(ModelConfig.fromHfJson(java.nio.file.Files.readAllBytes(checkpoint.resolve("config.json")), "x"));
      model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
      HfWeights.load(model, tensors, ModelBuilder.HEAD_TENSOR);
      ScalarHead score = ScalarHead.reward(config.hiddenSize());
      score.initialize(manager, DataType.FLOAT32);
      HfWeights.assign(score.hfParameters().get(0), tensors.readFloats("score.weight"));
      List<int[]> sequences = sequences(data);
      float[] expected = trainedRewards(objective, result.values(), sequences);
      float[] loaded = rewards(model, score, sequences, manager);
      assertArrayEquals(expected, loaded, 1e-5f);
    }
  }

  @Test
  void aLoraRewardCheckpointIsASeqClsAdapterWithTheScoreSavedInFull() throws Exception {
    ModelConfig config = TinyModels.llama();
    String output = tmp.resolve("lora").toString();
    ModelSpec spec = TrainingRun.materializeFreshBase(ModelSpec.fresh(config, 5, "float32",
        new LoraSettings(2, 4, 0, List.of("q_proj", "v_proj")), 3), output, new Configuration());
    RewardObjective objective = new RewardObjective(spec, 64, 0.5, 0, 9);
    List<PreferencePair> data = RandomPairs.of(12, config.vocabSize(), 3);
    Trainer.Result result = train(objective, data, output);
    Path checkpoint = Path.of(result.lastCheckpoint().orElseThrow().path().toUri().getPath());
    assertEquals(List.of("score"), PeftAdapterConfig.modulesToSave(checkpoint));

    try (NDManager manager = NDManager.newBaseManager();
        CheckpointTensors adapter = CheckpointTensors.openPrefixed(checkpoint, "adapter_model")) {
      DecoderLM model = HfModelDirectory.load(tmp.resolve("lora/base-model"), manager, DataType.FLOAT32).model();
      PeftAdapter.load(model, checkpoint, manager, DataType.FLOAT32, ModelBuilder.HEAD_TENSOR);
      ScalarHead score = ScalarHead.reward(config.hiddenSize());
      score.initialize(manager, DataType.FLOAT32);
      HfWeights.assign(score.hfParameters().get(0), adapter.readFloats("base_model.model.score.weight"));
      List<int[]> sequences = sequences(data);
      float[] loaded = rewards(model, score, sequences, manager);
      assertArrayEquals(trainedRewards(objective, result.values(), sequences), loaded, 1e-5f);
      assertTrue(loaded[0] != loaded[1]);
    }
  }

  /** Reads modules_to_save from adapter_config.json. */
  static final class PeftAdapterConfig {
    static List<String> modulesToSave(Path dir) throws Exception {
      List<String> out = new ArrayList<>();
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile())
          .path("modules_to_save").forEach(n -> out.add(n.asText()));
      return out;
    }
  }
}
