package io.sparkrlhf.jobs.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.engine.InProcessStepRunner;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.PeftAdapter;
import io.sparkrlhf.model.transformer.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints load back with the model module's readers and give the trained model's logits. */
class SftCheckpointTest {
  @TempDir Path tmp;

  private static List<SftExample> blocks(int n, int vocab) {
    Random rnd = new Random(17);
    List<SftExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[10];
      int[] docs = new int[10];
      for (int t = 0; t < 10; t++) {
        ids[t] = rnd.nextInt(vocab);
        docs[t] = t < 4 ? 0 : 1;
      }
      out.add(new SftExample(ids, docs));
    }
    return out;
  }

  private static Trainer.Result train(io.sparkrlhf.engine.Objective<SftExample> objective, List<SftExample> data, String output,
      TrainerOptions options) {
    try (InProcessStepRunner<SftExample> runner = new InProcessStepRunner<>("ckpt-" + System.nanoTime(), objective,
        data, null, options.globalBatch(), options.microBatch(), options.seed())) {
      return new Trainer("sft", "ckpt", output, new Configuration(), objective, runner, options).run();
    }
  }

  /** The trained replica's logits on the first block. */
  private static float[] replicaLogits(SftObjective objective, float[] values, SftExample block) throws Exception {
    try (SftReplica replica = new SftReplica(objective.spec(), Device.cpu())) {
      replica.trainables().setValues(values);
      return logits(replica.model(), block);
    }
  }

  private static float[] logits(DecoderLM model, SftExample block) {
    try (NDManager scope = NDManager.newBaseManager()) {
      long[][] ids = {java.util.Arrays.stream(block.inputIds()).asLongStream().toArray()};
      NDArray tokens = scope.create(ids);
      NDArray mask = scope.ones(tokens.getShape(), DataType.INT64);
      return model.forward(new ParameterStore(scope, false), tokens, mask, null, null, false).logits().toFloatArray();
    }
  }

  @Test
  void aFullCheckpointIsAHuggingFaceDirectoryWithTheTrainedWeights() throws Exception {
    SftObjective objective = new SftObjective(ModelSpec.fresh(TinyModels.gpt2(), 5, "float32", null, 0));
    List<SftExample> data = blocks(12, TinyModels.gpt2().vocabSize());
    Trainer.Result result = train(objective, data, tmp.resolve("full").toString(), TrainerOptions.simple(3, 4, 2, 1e-2, 1));

    Path checkpoint = Path.of(result.lastCheckpoint().orElseThrow().path().toUri().getPath());
    try (NDManager manager = NDManager.newBaseManager()) {
      DecoderLM loaded = HfModelDirectory.load(checkpoint, manager, DataType.FLOAT32).model();
      assertArrayEquals(replicaLogits(objective, result.values(), data.get(0)), logits(loaded, data.get(0)));
    }
  }

  @Test
  void aLoraCheckpointIsAPeftAdapterOverTheWrittenBase() throws Exception {
    String output = tmp.resolve("lora").toString();
    ModelSpec spec = TrainingRun.materializeFreshBase(ModelSpec.fresh(TinyModels.llama(), 5, "float32",
        new LoraSettings(2, 4, 0, List.of("q_proj", "v_proj")), 3), output, new Configuration());
    SftObjective objective = new SftObjective(spec);
    List<SftExample> data = blocks(12, TinyModels.llama().vocabSize());
    Trainer.Result result = train(objective, data, output, TrainerOptions.simple(3, 4, 2, 1e-2, 1));

    Path checkpoint = Path.of(result.lastCheckpoint().orElseThrow().path().toUri().getPath());
    assertTrue(spec.basePath().endsWith("lora/base-model"), spec.basePath());
    try (NDManager manager = NDManager.newBaseManager()) {
      DecoderLM loaded = HfModelDirectory.load(tmp.resolve("lora/base-model"), manager, DataType.FLOAT32).model();
      float[] base = logits(loaded, data.get(0));
      PeftAdapter.load(loaded, checkpoint, manager, DataType.FLOAT32);
      float[] adapted = logits(loaded, data.get(0));
      assertArrayEquals(replicaLogits(objective, result.values(), data.get(0)), adapted);
      assertTrue(maxDifference(base, adapted) > 1e-4, "the adapters were trained");
    }
  }

  @Test
  void aStepWithANonFiniteGradientIsSkippedAndTrainingGoesOn() {
    SftObjective clean = new SftObjective(ModelSpec.fresh(TinyModels.llama(), 5, "float32", null, 0));
    List<SftExample> data = blocks(12, TinyModels.llama().vocabSize());
    TrainerOptions options = TrainerOptions.simple(4, 4, 2, 1e-2, 1);
    io.sparkrlhf.engine.BatchPlan plan = new io.sparkrlhf.engine.BatchPlan(data.size(), 4, 1);
    long poisonIndex = plan.indices(2)[0];
    SftExample poison = data.get((int) poisonIndex);
    long poisonedSteps = java.util.stream.LongStream.range(0, 4)
        .filter(s -> java.util.Arrays.stream(plan.indices(s)).anyMatch(i -> i == poisonIndex)).count();
    PoisonedObjective poisoned = new PoisonedObjective(clean.spec(), poison.inputIds()[0], poison.inputIds()[1]);

    Trainer.Result result = train(poisoned, data, null, options);
    Trainer.Result upToThePoison = train(clean, data, null, options.withMaxSteps(2));

    assertEquals(4, result.step());
    assertEquals(poisonedSteps, result.skippedSteps());
    List<ObjectNode> train = result.metrics();
    for (int s = 0; s < 4; s++) {
      long step = s;
      boolean hit = java.util.Arrays.stream(plan.indices(step)).anyMatch(i -> i == poisonIndex);
      assertEquals(hit, train.get(s).path("skipped").asBoolean(), train.get(s).toString());
      assertEquals(hit, !Double.isFinite(train.get(s).path("grad_norm").asDouble()), train.get(s).toString());
    }
    for (float v : result.values()) {
      assertTrue(Float.isFinite(v));
    }
    // Skipping means no update: the poisoned step left the parameters where step 2 had them.
    Trainer.Result threeSteps = train(poisoned, data, null, options.withMaxSteps(3));
    assertArrayEquals(upToThePoison.values(), threeSteps.values());
  }

  private static double maxDifference(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  /** SFT whose replicas add NaN to every gradient when a micro-batch holds the marked block. */
  record PoisonedObjective(ModelSpec spec, int first, int second) implements io.sparkrlhf.engine.Objective<SftExample> {
    @Override
    public void writeModel(Path dir, io.sparkrlhf.engine.TrainableLayout layout, float[] values) throws java.io.IOException {
      new SftObjective(spec).writeModel(dir, layout, values);
    }

    @Override
    public io.sparkrlhf.engine.Replica<SftExample> createReplica(Device device) throws java.io.IOException {
      SftReplica inner = new SftReplica(spec, device);
      return new io.sparkrlhf.engine.Replica<>() {
        @Override
        public io.sparkrlhf.model.train.Trainables trainables() {
          return inner.trainables();
        }

        @Override
        public io.sparkrlhf.engine.BatchStats accumulate(List<SftExample> batch, io.sparkrlhf.engine.MicroBatchId id) {
          io.sparkrlhf.engine.BatchStats stats = inner.accumulate(batch, id);
          if (batch.stream().anyMatch(e -> e.inputIds()[0] == first && e.inputIds()[1] == second)) {
            Autograd.record(collector -> {
              NDArray w = inner.model().hfParameters().get(1).parameter().getArray();
              try (NDManager scope = w.getManager().newSubManager()) {
                NDArray nan = scope.full(new ai.djl.ndarray.types.Shape(), Float.NaN, DataType.FLOAT32);
                collector.backward(w.sum().mul(nan));
              }
              return null;
            });
          }
          return stats;
        }

        @Override
        public io.sparkrlhf.engine.BatchStats evaluate(List<SftExample> batch) {
          return inner.evaluate(batch);
        }

        @Override
        public void close() {
          inner.close();
        }
      };
    }
  }
}
